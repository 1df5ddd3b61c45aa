"""Virtual MFA: TOTP codes with drift and replay rules, enrollment, resync, seed encryption, QR.

AWS pages these tests follow:
- EnableMFADevice (two codes, each exactly six digits, the second one subsequent):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableMFADevice.html
- ResyncMFADevice (two consecutive codes):
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_ResyncMFADevice.html
- IAM User Guide, "Resynchronize virtual and hardware MFA devices":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_sync.html
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamtui.errors import IamError, InvalidAuthenticationCode
from iamtui.security import mfa
from iamtui.security.mfa import (
    MfaSeedUnreadable,
    SeedCipher,
    code_at,
    time_step,
    verify_code,
    verify_enrollment,
)

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# A moment in the middle of a 30 s step, so +-15 s stays inside it.
NOW = datetime(2026, 11, 28, 12, 0, 15, tzinfo=UTC)
T = time_step(NOW)


def at(offset_steps: int) -> str:
    return code_at(SEED, T + offset_steps)


# ---------------------------------------------------------------- seeds and URIs


def test_new_seed_is_160_bit_base32_and_random() -> None:
    seeds = {mfa.new_seed() for _ in range(20)}
    assert len(seeds) == 20
    for seed in seeds:
        assert len(seed) == 32
        assert len(base64.b32decode(seed)) == 20


def test_provisioning_uri_spells_out_totp_parameters() -> None:
    uri = mfa.provisioning_uri(SEED, "alice@123456789012", "iamtui")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/iamtui:alice@123456789012"
    query = parse_qs(parts.query)
    assert query == {
        "secret": [SEED], "issuer": ["iamtui"], "algorithm": ["SHA1"],
        "digits": ["6"], "period": ["30"],
    }
    # pyotp, as an authenticator app would, reads the same parameters back.
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == SEED and parsed.digits == 6 and parsed.interval == 30


def test_uri_escapes_separators_in_names() -> None:
    uri = mfa.provisioning_uri(SEED, "bob:admin", "My Co")
    label = urlsplit(uri).path[1:]
    assert label.count(":") == 1  # the one separator; the name's colon is escaped
    assert label == "My%20Co:bob%3Aadmin"


def test_codes_match_an_independent_totp() -> None:
    assert at(0) == pyotp.TOTP(SEED).at(NOW)


# ---------------------------------------------------------------- verify_code


def test_current_code_is_accepted_and_its_step_returned() -> None:
    assert verify_code(SEED, at(0), now=NOW, last_used_step=None) == T


@pytest.mark.parametrize("offset", [-1, 1])
def test_one_step_of_drift_is_accepted(offset: int) -> None:
    assert verify_code(SEED, at(offset), now=NOW, last_used_step=None) == T + offset


@pytest.mark.parametrize("offset", [-2, 2])
def test_two_steps_of_drift_are_refused(offset: int) -> None:
    with pytest.raises(InvalidAuthenticationCode, match="not valid"):
        verify_code(SEED, at(offset), now=NOW, last_used_step=None)


def test_same_step_replayed_is_refused() -> None:
    step = verify_code(SEED, at(0), now=NOW, last_used_step=None)
    with pytest.raises(InvalidAuthenticationCode, match="already used"):
        verify_code(SEED, at(0), now=NOW + timedelta(seconds=5), last_used_step=step)


def test_earlier_step_after_a_later_one_is_refused() -> None:
    step = verify_code(SEED, at(0), now=NOW, last_used_step=None)
    with pytest.raises(InvalidAuthenticationCode, match="already used"):
        verify_code(SEED, at(-1), now=NOW, last_used_step=step)
    # The next step's code is still good.
    assert verify_code(SEED, at(1), now=NOW, last_used_step=step) == T + 1


def test_full_width_digits_are_refused_although_pyotp_accepts_them() -> None:
    code = at(0)
    full_width = "".join(chr(ord("０") + int(d)) for d in code)
    assert pyotp.TOTP(SEED).verify(full_width, for_time=NOW)  # the pitfall
    with pytest.raises(InvalidAuthenticationCode, match="six digits"):
        verify_code(SEED, full_width, now=NOW, last_used_step=None)


@pytest.mark.parametrize(
    "code", ["12345", "1234567", "12345a", " 123456", "123456\n", "12 456", "", "١٢٣٤٥٦"]
)
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidAuthenticationCode, match="six digits"):
        verify_code(SEED, code, now=NOW, last_used_step=None)


def test_non_string_code_is_refused() -> None:
    with pytest.raises(InvalidAuthenticationCode):
        verify_code(SEED, 123456, now=NOW, last_used_step=None)  # type: ignore[arg-type]


@given(st.text(max_size=10))
def test_only_six_ascii_digits_pass_the_format_check(code: str) -> None:
    well_formed = len(code) == 6 and all(c in "0123456789" for c in code)
    try:
        verify_code(SEED, code, now=NOW, last_used_step=None)
    except InvalidAuthenticationCode as err:
        assert ("six digits" in err.message) == (not well_formed)
    else:
        assert well_formed


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=6, max_size=6))
def test_only_ascii_among_all_unicode_digits(code: str) -> None:
    # pyotp would fold these to ASCII; our format check must see them first.
    if code.isascii():
        return
    with pytest.raises(InvalidAuthenticationCode, match="six digits"):
        verify_code(SEED, code, now=NOW, last_used_step=None)


def test_recorded_drift_moves_the_window() -> None:
    far = code_at(SEED, T + 5)
    with pytest.raises(InvalidAuthenticationCode):
        verify_code(SEED, far, now=NOW, last_used_step=None)
    assert verify_code(SEED, far, now=NOW, last_used_step=None, drift_steps=5) == T + 5


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        time_step(datetime(2026, 1, 1))


# ---------------------------------------------------------------- enrollment and resync


def test_enrollment_with_consecutive_codes_returns_the_last_step() -> None:
    assert verify_enrollment(SEED, at(-1), at(0), now=NOW) == T


def test_enrollment_allows_one_step_of_drift() -> None:
    assert verify_enrollment(SEED, at(0), at(1), now=NOW) == T + 1
    assert verify_enrollment(SEED, at(-2), at(-1), now=NOW) == T - 1


def test_enrollment_refuses_the_same_code_twice() -> None:
    with pytest.raises(InvalidAuthenticationCode, match="consecutive"):
        verify_enrollment(SEED, at(0), at(0), now=NOW)


@pytest.mark.parametrize(("first", "second"), [(-2, 0), (0, -1), (-3, -2), (1, 2)])
def test_enrollment_refuses_codes_that_are_not_consecutive_now(first: int, second: int) -> None:
    with pytest.raises(InvalidAuthenticationCode, match="consecutive"):
        verify_enrollment(SEED, at(first), at(second), now=NOW)


def test_enrollment_checks_format_of_both_codes() -> None:
    with pytest.raises(InvalidAuthenticationCode, match="six digits"):
        verify_enrollment(SEED, at(-1), at(0)[:5], now=NOW)


def test_resync_accepts_consecutive_codes_far_from_now() -> None:
    assert mfa.resync(SEED, at(-8), at(-7), NOW) == T - 7
    assert mfa.resync(SEED, at(9), at(10), NOW) == T + 10
    # Enrollment's narrow window would refuse the same pair.
    with pytest.raises(InvalidAuthenticationCode):
        verify_enrollment(SEED, at(-8), at(-7), now=NOW)


def test_resync_refuses_beyond_its_window_and_non_consecutive_codes() -> None:
    with pytest.raises(InvalidAuthenticationCode):
        mfa.resync(SEED, at(mfa.RESYNC_WINDOW_STEPS + 1), at(mfa.RESYNC_WINDOW_STEPS + 2), NOW)
    with pytest.raises(InvalidAuthenticationCode):
        mfa.resync(SEED, at(3), at(5), NOW)


def test_resync_refuses_codes_already_used() -> None:
    with pytest.raises(InvalidAuthenticationCode):
        mfa.resync(SEED, at(-1), at(0), NOW, last_used_step=T - 1)
    assert mfa.resync(SEED, at(-1), at(0), NOW, last_used_step=T - 2) == T


# ---------------------------------------------------------------- seed encryption


def cipher_at(path: Path) -> SeedCipher:
    """A cipher with a fresh key, as if read from a key file at `path` (the file itself, its
    creation at init and its permissions are the service's: test_service_keyfiles.py)."""
    return SeedCipher.from_key_file(mfa.new_key_file(), path)


def test_a_key_file_round_trips_and_each_new_one_differs(tmp_path: Path) -> None:
    data = mfa.new_key_file()
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    cipher = SeedCipher.from_key_file(data, tmp_path / "mfa.key")
    again = SeedCipher.from_key_file(data, tmp_path / "mfa.key")
    assert again.key == cipher.key and len(cipher.key) == 32
    assert again.decrypt(cipher.encrypt(SEED)) == SEED
    assert mfa.new_key_file() != data


def test_round_trip_and_token_hides_the_seed(tmp_path: Path) -> None:
    cipher = cipher_at(tmp_path / "mfa.key")
    token = cipher.encrypt(SEED)
    assert SEED not in token
    assert cipher.encrypt(SEED) != token  # a fresh nonce every time
    assert cipher.decrypt(token) == SEED


def test_wrong_key_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    token = cipher_at(tmp_path / "a.key").encrypt(SEED)
    other = cipher_at(tmp_path / "b.key")
    with pytest.raises(MfaSeedUnreadable) as info:
        other.decrypt(token)
    assert isinstance(info.value, IamError)
    assert "does not match" in info.value.message
    assert str(tmp_path / "b.key") in info.value.message


@pytest.mark.parametrize("tamper", ["flip", "truncate", "garbage", "version"])
def test_tampered_token_is_refused(tmp_path: Path, tamper: str) -> None:
    cipher = cipher_at(tmp_path / "mfa.key")
    token = cipher.encrypt(SEED)
    body = bytearray(base64.urlsafe_b64decode(token[3:]))
    if tamper == "flip":
        body[-1] ^= 1
        bad = "v1:" + base64.urlsafe_b64encode(bytes(body)).decode()
    elif tamper == "truncate":
        bad = token[:20]
    elif tamper == "garbage":
        bad = "v1:***"
    else:
        bad = "v9:" + token[3:]
    with pytest.raises(MfaSeedUnreadable):
        cipher.decrypt(bad)


def test_associated_data_binds_a_token_to_its_device(tmp_path: Path) -> None:
    cipher = cipher_at(tmp_path / "mfa.key")
    token = cipher.encrypt(SEED, associated_data="arn:aws:iam::123456789012:mfa/alice")
    assert cipher.decrypt(token, associated_data="arn:aws:iam::123456789012:mfa/alice") == SEED
    with pytest.raises(MfaSeedUnreadable):
        cipher.decrypt(token, associated_data="arn:aws:iam::123456789012:mfa/mallory")


@pytest.mark.parametrize("data", [b"c2hvcnQ=\n", b"not base64!\n", b"", b"\xff\xfe"])
def test_corrupt_key_file_is_refused(tmp_path: Path, data: bytes) -> None:
    key_path = tmp_path / "mfa.key"
    with pytest.raises(MfaSeedUnreadable, match=f"{key_path} is not a valid key"):
        SeedCipher.from_key_file(data, key_path)


def test_cipher_repr_does_not_show_the_key(tmp_path: Path) -> None:
    cipher = cipher_at(tmp_path / "mfa.key")
    assert cipher.key.hex() not in repr(cipher)
    assert base64.b64encode(cipher.key).decode() not in repr(cipher)


# ---------------------------------------------------------------- QR code


URI = mfa.provisioning_uri(SEED, "alice@123456789012", "iamtui")

CELL = {" ": (False, False), "▀": (True, False), "▄": (False, True), "█": (True, True)}


def decode_cells(text: str) -> list[list[bool]]:
    """Turn half-block text back into module rows (True = a block half is drawn)."""
    rows: list[list[bool]] = []
    for line in text.split("\n"):
        pairs = [CELL[ch] for ch in line]
        rows.append([top for top, _ in pairs])
        rows.append([bottom for _, bottom in pairs])
    return rows


@pytest.mark.parametrize("light_on_dark", [True, False])
def test_each_text_cell_is_the_right_pair_of_modules(light_on_dark: bool) -> None:
    matrix = mfa.qr_matrix(URI)
    text = mfa.qr_text(URI, light_on_dark=light_on_dark)
    lines = text.split("\n")
    assert len(lines) == (len(matrix) + 1) // 2  # two module rows per line
    assert {len(line) for line in lines} == {len(matrix[0])}
    drawn = decode_cells(text)
    for y, row in enumerate(matrix):
        expected = [(not m) if light_on_dark else m for m in row]
        assert drawn[y] == expected
    # The padding row under an odd matrix is light, extending the quiet zone.
    if len(matrix) % 2:
        assert drawn[-1] == [light_on_dark] * len(matrix[0])


def test_qr_has_a_quiet_zone_and_encodes_the_uri() -> None:
    matrix = mfa.qr_matrix(URI)
    border = mfa.QUIET_ZONE
    assert not any(any(row) for row in matrix[:border])  # light rows at the top
    assert not any(any(row) for row in matrix[-border:])
    assert not any(any(row[:border]) or any(row[-border:]) for row in matrix)
    inner = [row[border:-border] for row in matrix[border:-border]]
    # The finder pattern's 7x7 dark outline sits in the top-left corner.
    assert all(inner[0][:7]) and all(inner[6][:7])
    assert all(inner[y][0] and inner[y][6] for y in range(7))
    # segno (which draws the matrix) was given exactly the URI.
    import segno

    expected = [[bool(m) for m in r] for r in segno.make(URI, error="l", micro=False)
                .matrix_iter(border=border)]
    assert matrix == expected


def test_qr_text_fits_a_terminal() -> None:
    lines = mfa.qr_text(URI).split("\n")
    assert len(lines[0]) <= 80
    assert len(lines) <= 30
    assert set("".join(lines)) <= set(CELL)


def test_qr_text_decodes_with_a_real_reader() -> None:
    """Draw the text as a terminal would and let OpenCV's QR reader scan it.

    OpenCV is not a project dependency; this runs where `cv2` is installed.
    """
    cv2 = pytest.importorskip("cv2")
    np = pytest.importorskip("numpy")

    def draw(text: str, glyph: int, background: int) -> object:
        rows: list[list[int]] = []
        for line in text.split("\n"):
            rows.append([glyph if CELL[c][0] else background for c in line])
            rows.append([glyph if CELL[c][1] else background for c in line])
        image = np.array(rows, dtype=np.uint8)
        return cv2.resize(image, None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)

    reader = cv2.QRCodeDetector()
    on_dark = draw(mfa.qr_text(URI), glyph=230, background=20)
    on_light = draw(mfa.qr_text(URI, light_on_dark=False), glyph=20, background=230)
    assert reader.detectAndDecode(on_dark)[0] == URI
    assert reader.detectAndDecode(on_light)[0] == URI


def test_importing_mfa_does_not_load_segno() -> None:
    # Sign-in checks codes on every CLI call; only enrollment needs the QR library.
    import subprocess
    import sys

    code = "import sys, iamtui.security.mfa; print('segno' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
