import pytest

from latentscope_train.per_res import parse_per_res


def positive(v):
    return v > 0


def test_pairs_are_read_with_spaces_and_empty_parts_ignored():
    assert parse_per_res(" 64:0.5, ,32:2", "--x", "V", positive, "above 0") == {64: 0.5, 32: 2.0}


@pytest.mark.parametrize("spec,msg", [("64", "--x wants RES:V pairs"), ("a:1", "--x wants RES:V pairs"),
                                      ("64:-1", "--x '64:-1': above 0"), ("", "--x names no resolution"),
                                      (" , ", "--x names no resolution")])
def test_bad_lists_name_the_flag_and_the_rule(spec, msg):
    with pytest.raises(ValueError, match=msg.replace("'", ".")):
        parse_per_res(spec, "--x", "V", positive, "above 0")
