"""The password hasher: Argon2id with OWASP's parameters.

Issue 12.8 measured a login at one password hash and 13 queries: the hash (Django 5.2's
PBKDF2-SHA256, 1,000,000 iterations) was the whole cost, ~240 ms of CPU per login, which a
busy 2-core server serialises. Argon2id is Django's recommended hasher; OWASP's Password
Storage Cheat Sheet recommends it with m = 19 MiB, t = 2, p = 1 as a minimum that is as strong
against GPU attacks as PBKDF2 at 600,000 iterations, at a fraction of the CPU
(`bench/bench_login.py` measures it). PBKDF2 stays second in PASSWORD_HASHERS, so existing
hashes still verify and Django rehashes them with this one at the user's next login.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id, OWASP's minimum parameters (the hash string carries them)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
