"""Training, evaluation and export of latentscope's face generator."""
