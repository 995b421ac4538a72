"""Domains: IDNs, public suffixes, domain-suffix indexes and the platform registry."""

from linkgate.domains.idn import to_ascii, to_unicode
from linkgate.domains.index import SuffixIndex
from linkgate.domains.psl import PslFileError, PublicSuffix, install_psl_file
from linkgate.domains.registry import (
    MiniProgramMatch,
    Platform,
    Registry,
    Resolution,
)

__all__ = [
    "MiniProgramMatch",
    "Platform",
    "PslFileError",
    "PublicSuffix",
    "Registry",
    "Resolution",
    "SuffixIndex",
    "install_psl_file",
    "to_ascii",
    "to_unicode",
]
