import pytest
from django.core.exceptions import ValidationError

from marketplace.organisations.credit_code import normalise_credit_code, validate_credit_code
from marketplace.organisations.forms import OrganisationForm
from tests.factories import _ALPHABET, _WEIGHTS, credit_code


def with_check_digit(body: str) -> str:
    total = sum(_ALPHABET.index(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + _ALPHABET[(31 - total % 31) % 31]


VALID = credit_code(42)
WITH_LETTERS = with_check_digit("91370100MA3C8XK2L")


def full_width(value: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in value)


def error_code(value: str) -> str:
    with pytest.raises(ValidationError) as info:
        validate_credit_code(value)
    return info.value.code


def test_valid_codes_pass_unchanged():
    assert validate_credit_code(VALID) == VALID
    assert validate_credit_code(WITH_LETTERS) == WITH_LETTERS


def test_bad_check_digit_is_rejected():
    last = WITH_LETTERS[-1]
    wrong = WITH_LETTERS[:-1] + ("1" if last != "1" else "2")
    assert error_code(wrong) == "checksum"


@pytest.mark.parametrize("value", [VALID[:-1], VALID + "1", "9137"])
def test_wrong_length_is_rejected_with_the_length(value):
    with pytest.raises(ValidationError) as info:
        validate_credit_code(value)
    assert info.value.code == "length"
    assert str(len(value)) in info.value.messages[0]


def test_lower_case_is_accepted_after_normalisation():
    assert validate_credit_code(WITH_LETTERS.lower()) == WITH_LETTERS


def test_full_width_input_is_accepted_after_normalisation():
    assert validate_credit_code(full_width(WITH_LETTERS.lower())) == WITH_LETTERS
    assert normalise_credit_code(" 9137-0100 ") == "91370100"


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_disallowed_letters_are_rejected(letter):
    value = WITH_LETTERS[:10] + letter + WITH_LETTERS[11:]
    assert error_code(value) == "format"


def test_form_reports_a_translated_field_error_and_normalises():
    form = OrganisationForm(data={"credit_code": full_width(WITH_LETTERS.lower())})
    form.is_valid()
    assert "credit_code" not in form.errors
    assert form.cleaned_data["credit_code"] == WITH_LETTERS
    bad = OrganisationForm(data={"credit_code": VALID[:-1]})
    assert not bad.is_valid()
    assert "18位" in bad.errors["credit_code"][0]
