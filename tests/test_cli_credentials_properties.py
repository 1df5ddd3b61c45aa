"""Properties of the credential parsers: the credentials file (INI in the shape of the AWS
CLI's ~/.aws/credentials: aws_access_key_id, aws_secret_access_key per profile, AWS CLI User
Guide "Configuration and credential file settings"), the AccessKeyId parameter check
(IAM API Reference, UpdateAccessKey: 16-128 characters of [\\w]+), and authentication by
key pair, which only the right secret passes.
"""

from __future__ import annotations

import re
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtui.commands.session import NoCredentials, load_profile, save_profile
from iamtui.errors import InvalidClientTokenId, ValidationError
from iamtui.service import IamService, Principal
from iamtui.service.access_keys import SignatureDoesNotMatch, validate_access_key_id

KEY_IDS = st.from_regex(r"\AAKIA[A-Z2-7]{16}\Z")
SECRETS = st.from_regex(r"\A[A-Za-z0-9+/]{40}\Z")
PROFILES = st.from_regex(r"\A[\w+=,.@-]{1,20}\Z").filter(str.isascii)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(st.dictionaries(PROFILES, st.tuples(KEY_IDS, SECRETS), min_size=1, max_size=4))
def test_profiles_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             profiles: dict[str, tuple[str, str]]) -> None:
    """Whatever profiles are saved, each loads back as saved; the others are kept; the file
    stays 0600. Names are case-sensitive, "DEFAULT" included."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "config"  # a fresh folder per example
    monkeypatch.setenv("IAMTUI_CONFIG_DIR", str(folder))
    for name, (key_id, secret) in profiles.items():
        path = save_profile(name, key_id, secret)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for name, pair in profiles.items():
        assert load_profile(name, required=True) == pair
    absent = "x" + "".join(sorted(profiles))[:30]
    if absent not in profiles:
        assert load_profile(absent, required=False) is None
        with pytest.raises(NoCredentials, match="could not be found"):
            load_profile(absent, required=True)


@given(st.text(max_size=140))
def test_access_key_id_check_matches_the_api_constraints(text: str) -> None:
    expected = 16 <= len(text) <= 128 and re.fullmatch(r"\w+", text, re.ASCII) is not None
    try:
        validate_access_key_id(text)
        accepted = True
    except ValidationError as exc:
        accepted = False
        assert "accessKeyId" in exc.message
    assert accepted == expected


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(st.text(max_size=60))
def test_only_the_right_secret_authenticates(service: IamService, root: Principal,
                                             guess: str) -> None:
    if not service.list_access_keys(root):
        service.create_access_key(root)
    key = service.list_access_keys(root)[0]
    with pytest.raises(SignatureDoesNotMatch):
        service.authenticate_access_key(key.access_key_id, guess)
    with pytest.raises(InvalidClientTokenId):
        service.authenticate_access_key(guess, guess)
