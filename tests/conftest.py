"""Suite-wide settings: cheap Argon2 parameters (the real ones cost ~190 ms a hash)."""

import os

os.environ.setdefault("IAMTUI_ARGON2_PROFILE", "test")

from iamtui.security.passwords import use_fast_hashing  # noqa: E402

use_fast_hashing()
