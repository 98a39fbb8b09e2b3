"""Command-line values given per resolution: 'RES:VALUE[,RES:VALUE...]'."""


def parse_per_res(spec: str, flag: str, what: str, valid, bounds: str, example: str = "64:0.7") -> dict[int, float]:
    """'64:0.6,32:0.9' -> {64: 0.6, 32: 0.9}. `valid(value)` says whether a value is allowed;
    `what` names the value in messages (e.g. 'FACTOR') and `bounds` says which values are.
    Raises ValueError naming `flag` on a malformed pair, a bad value or an empty list."""
    values = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        res, sep, text = part.partition(":")
        try:
            r, v = int(res), float(text)
        except ValueError:
            raise ValueError(f"{flag} wants RES:{what} pairs such as {example}, not {part!r}") from None
        if not sep or not valid(v):
            raise ValueError(f"{flag} {part!r}: {bounds}")
        values[r] = v
    if not values:
        raise ValueError(f"{flag} names no resolution")
    return values


def require_layers_at(config: dict, resolutions, src: str) -> None:
    """Raises ValueError naming `src` unless the exported model has layers at every resolution."""
    present = {layer["res"] for layer in config["layers"]}
    missing = sorted(set(resolutions) - present)
    if missing:
        raise ValueError(f"{src}: no layers at {', '.join(f'{r}x{r}' for r in missing)} "
                         f"(the model has {', '.join(str(r) for r in sorted(present))})")


def compose_factors(training: dict, key: str, factors: dict[int, float]) -> dict[str, float]:
    """training[key] (factors by resolution, keys as strings) multiplied by `factors`:
    a factor applied twice is recorded as their product. Sorted by resolution."""
    applied = {str(k): float(v) for k, v in (training.get(key) or {}).items()}
    for r, f in factors.items():
        applied[str(r)] = round(applied.get(str(r), 1.0) * f, 6)
    return dict(sorted(applied.items(), key=lambda kv: int(kv[0])))
