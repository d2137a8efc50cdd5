"""Re-importing into a living dataset: which version of each row wins, and what changed.

Sources such as ACLED edit events and say when: ``timestamp`` is the Unix
time of a row's last edit. An older export imported after a newer one must
not revert the edits, so a stored row is replaced only by a newer version
(or, where either side has no timestamp, by different content). Every row
of the import is counted as new, updated, unchanged or older (ignored), and
every id of a deletion list as deleted or unknown, so a report can say what
the import did to the dataset.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

#: The source column that dates a row's last edit (Unix seconds).
TIMESTAMP = "timestamp"
#: Columns the store fills itself: never evidence that a source row changed.
DERIVED = ("admin1_pcode", "admin2_pcode", "admin3_pcode", "outside_boundaries", "geometry")


@dataclass(frozen=True)
class Changes:
    """What one import did to a stored table (the counts of the import's rows add up to its imported rows)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    older_ignored: int = 0
    deleted: int = 0
    unknown_deletions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["unknown_deletions"] = list(self.unknown_deletions)
        return out

    def lines(self) -> list[str]:
        """What the command line prints."""
        out = [f"{self.new:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged, "
               f"{self.older_ignored:,} older than the stored version (ignored), {self.deleted:,} deleted"]
        if self.unknown_deletions:
            shown = ", ".join(self.unknown_deletions[:10]) + (" ..." if len(self.unknown_deletions) > 10 else "")
            out.append(f"{len(self.unknown_deletions):,} id(s) of the deletion list are not in the dataset: {shown}")
        return out


def _signature(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text per row that is equal exactly when the rows hold the same values in ``columns``."""
    parts = []
    for column in columns:
        values = frame[column] if column in frame.columns else pd.Series(pd.NA, index=frame.index)
        if pd.api.types.is_float_dtype(values.dtype):
            values = values.round(6)
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            values = numbers.map(lambda v: "" if pd.isna(v) else f"{v:.6f}")
        parts.append(values.astype("string").fillna("").str.strip())
    if not parts:
        return pd.Series("", index=frame.index, dtype="string")
    out = parts[0]
    for part in parts[1:]:
        out = out + "\x1f" + part
    return out


def _stamps(frame: pd.DataFrame) -> np.ndarray:
    if TIMESTAMP not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[TIMESTAMP].astype("string"), errors="coerce").to_numpy(dtype="float64",
                                                                                      na_value=np.nan)


def upsert(old: pd.DataFrame, new: pd.DataFrame, key: str) -> tuple[pd.DataFrame, Changes]:
    """``old`` with the rows of ``new`` merged in by ``key``, and the counts.

    A row of ``new`` whose id is stored replaces the stored row when its
    timestamp is newer; an older one is ignored (counted), an equal one is
    unchanged. Without timestamps on both sides, different content in the
    source's columns replaces the stored row and equal content is unchanged.
    """
    new = new.reset_index(drop=True)
    if old.empty:
        return new, Changes(new=len(new))
    old = old.reset_index(drop=True)
    old_keys = pd.Index(old[key].astype("string"))
    new_keys = pd.Index(new[key].astype("string"))
    rows = pd.Series(np.arange(len(old)), index=old_keys)
    rows = rows[~rows.index.duplicated(keep="last")]  # repeated stored ids: the last is the one compared
    position = rows.reindex(new_keys).fillna(-1).to_numpy(dtype=np.int64)
    stored = position >= 0
    old_stamp = np.full(len(new), np.nan)
    old_stamp[stored] = _stamps(old)[position[stored]]
    new_stamp = _stamps(new)
    dated = stored & np.isfinite(old_stamp) & np.isfinite(new_stamp)
    older = dated & (new_stamp < old_stamp)
    same_time = dated & (new_stamp == old_stamp)
    newer = dated & (new_stamp > old_stamp)
    undated = stored & ~dated
    differs = np.zeros(len(new), dtype=bool)
    if undated.any():
        columns = [c for c in new.columns if c not in DERIVED and c != key]
        todo = np.flatnonzero(undated)
        before = _signature(old.iloc[position[todo]].reset_index(drop=True), columns).to_numpy()
        after = _signature(new.iloc[todo].reset_index(drop=True), columns).to_numpy()
        differs[todo] = before != after
    replace = ~stored | newer | (undated & differs)
    taken = new[replace]
    drop = np.zeros(len(old), dtype=bool)
    drop[position[stored & replace]] = True
    kept = old[~drop]
    columns = list(dict.fromkeys([*old.columns, *new.columns]))
    frames = [f.reindex(columns=columns) for f in (kept, taken) if len(f)]
    merged = pd.concat(frames, ignore_index=True) if frames else old.iloc[0:0]
    changes = Changes(new=int((~stored).sum()), updated=int((newer | (undated & differs)).sum()),
                      unchanged=int((same_time | (undated & ~differs)).sum()), older_ignored=int(older.sum()))
    return merged, changes


def delete(frame: pd.DataFrame, key: str, ids: Iterable[str], changes: Changes) -> tuple[pd.DataFrame, Changes]:
    """``frame`` without the rows whose ``key`` is in ``ids``; the counts with deleted and unknown ids added."""
    ids = {str(i) for i in ids}
    if not ids:
        return frame, changes
    keys = frame[key].astype("string")
    gone = keys.isin(ids).to_numpy(dtype=bool)
    unknown = tuple(sorted(ids - set(keys[gone].tolist())))
    out = frame[~gone]
    return out, Changes(changes.new, changes.updated, changes.unchanged, changes.older_ignored,
                        changes.deleted + int(gone.sum()), changes.unknown_deletions + unknown)
