"""SM3 of a spool computed by a thread that follows its writer (R1: digests while the original streams in)."""

from __future__ import annotations

import hashlib
import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.archive.store import SpoolSm3


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(max_size=3 * 1024 * 1024 // 2), max_size=6))
def test_r1_the_following_sm3_equals_the_sm3_of_everything_written(pieces: list[bytes]):
    with tempfile.TemporaryFile() as spool, SpoolSm3(spool.fileno()) as sm3:
        for piece in pieces:
            spool.write(piece)
            spool.flush()
            sm3.wrote(len(piece))
        assert sm3.digest() == hashlib.new("sm3", b"".join(pieces)).hexdigest()


def test_an_abandoned_spool_ends_its_thread_and_a_short_one_is_an_error():
    with tempfile.TemporaryFile() as spool:
        with SpoolSm3(spool.fileno()) as abandoned:
            spool.write(os.urandom(1000))
        assert not abandoned._worker.is_alive()
        with SpoolSm3(spool.fileno()) as short:
            short.wrote(5000)  # more than the file holds
            with pytest.raises(OSError, match="shorter"):
                short.digest()
