print("latentscope")
