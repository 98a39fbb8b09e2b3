"""Command-line values given per resolution: 'RES:VALUE[,RES:VALUE...]'."""


def parse_per_res(spec: str, flag: str, what: str, valid, bounds: str) -> dict[int, float]:
    """'64:0.6,32:0.9' -> {64: 0.6, 32: 0.9}. `valid(value)` says whether a value is allowed;
    `what` names the value in messages (e.g. 'FACTOR') and `bounds` says which values are.
    Raises ValueError naming `flag` on a malformed pair, a bad value or an empty list."""
    values = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        res, sep, text = part.partition(":")
        try:
            r, v = int(res), float(text)
        except ValueError:
            raise ValueError(f"{flag} wants RES:{what} pairs such as 64:0.7, not {part!r}") from None
        if not sep or not valid(v):
            raise ValueError(f"{flag} {part!r}: {bounds}")
        values[r] = v
    if not values:
        raise ValueError(f"{flag} names no resolution")
    return values
