from gan_course import messages


def test_say_prefixes_every_line(capsys):
    messages.say("resumed from step 5")
    assert capsys.readouterr().out == "[gan_course] resumed from step 5\n"


def test_short_error_is_one_line_and_cut():
    assert messages.short_error(ValueError("a\nb")) == "a b"
    cut = messages.short_error("x" * 200, limit=20)
    assert len(cut) == 20 and cut.endswith("...")
