"""Place names across spellings and scripts.

Places reach analysts in several transliterations (Kassala, Kasala), in
their own script (كسلا), and sometimes under another name altogether (a
former or a foreign name). The gazetteer matches all of them to one
canonical place and says which name matched, so the UI can show
"Kassala — matched 'كسلا'" instead of silently renaming.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

_ARABIC_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, superscript alef, tatweel
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"})
_VOWELS = re.compile(r"(?<!^)[aeiouy]")
_QUOTES = re.compile(r"[\u2018\u2019\u02bb\u02bc\u02be\u02bf'`´ʿʾ]")
_PUNCTUATION = re.compile(r"[-_.,/()]+")
_INNER_VOWEL = re.compile(r"(?<=\S)[aeiouy]")


def normalise(text: str) -> str:
    """Fold case, accents, apostrophes, hyphens and Arabic letter variants.

    ``normalise("Ma'arrat al-Nu'man") == normalise("Maarrat Al Numan")``.
    """
    text = str(text)
    if text.isascii():  # most names: no accents, no Arabic to fold (a gazetteer folds 10^5 of them)
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text).casefold()
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_FOLD)
    text = _QUOTES.sub("", text)
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(text.split())


def skeleton(text: str) -> str:
    """A coarse key that ignores the vowels transliterations disagree on.

    Kassala, Kasala and Kessala share the skeleton ``qsl``: vowels after
    a word's first letter go, ``k`` becomes ``q`` and doubled letters collapse.
    """
    return _skeleton_of(normalise(text))


def _skeleton_of(normalised: str) -> str:
    """The skeleton of a text that is already normalised."""
    # One pass over the whole text: a vowel after a letter goes, then the spaces.
    key = _INNER_VOWEL.sub("", normalised).replace(" ", "")
    key = key.replace("k", "q") if key.isascii() else key
    return "".join(letter for letter, _ in itertools.groupby(key))  # doubled letters collapse


@dataclass(frozen=True)
class Match:
    """A place found for a query, with the name that matched and how."""

    place_id: str
    name: str
    matched: str
    how: str  # "name", "alias" or "spelling"
    latitude: float
    longitude: float
    origin: str = ""  # which source put the place there (e.g. "GeoNames"), when the table says

    @property
    def answer(self) -> str:
        """What the search tells the analyst: the place, the name that matched and its source,
        e.g. "Kassala — matched 'كسلا' (GeoNames)"."""
        said = self.name if self.matched == self.name else f"{self.name} — matched '{self.matched}'"
        return f"{said} ({self.origin})" if self.origin else said

    @property
    def explanation(self) -> str:
        """What to tell the user, e.g. 'Kassala — matched 'Kasala''."""
        if self.how == "name":
            return self.name
        return f"{self.matched} is another name for {self.name}"


class Gazetteer:
    """Canonical places and their aliases (``places`` table of the schema)."""

    def __init__(self, places: pd.DataFrame):
        self.places = places.reset_index(drop=True)
        self._exact: dict[str, list[tuple[int, str, str]]] = {}
        self._skeleton: dict[str, list[tuple[int, str]]] = {}
        columns = [c for c in ("name", "name_ar", "aliases") if c in self.places]
        keys: dict[str, tuple[str, str]] = {}  # a name repeats (same village in several districts): fold it once
        for i, values in enumerate(self.places[columns].itertuples(index=False, name=None)):  # no per-row Series
            for label, how in self._labels(dict(zip(columns, values, strict=True))):
                found = keys.get(label)
                if found is None:
                    key = normalise(label)
                    found = keys[label] = (key, _skeleton_of(key))
                self._exact.setdefault(found[0], []).append((i, label, how))
                self._skeleton.setdefault(found[1], []).append((i, label))
        self._by_name: dict[str, int] = {}
        for i, n in enumerate(self.places["name"]):
            self._by_name.setdefault(str(n), i)
        self._origin = (self.places["origin"].astype(str).tolist() if "origin" in self.places
                        else [""] * len(self.places))
        self._by_id: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.places)

    @staticmethod
    def _labels(row: pd.Series | dict) -> list[tuple[str, str]]:
        labels = [(str(row["name"]), "name")]
        if isinstance(row.get("name_ar"), str) and row["name_ar"]:
            labels.append((row["name_ar"], "alias"))
        aliases = row.get("aliases")
        if isinstance(aliases, str):
            labels += [(a.strip(), "alias") for a in aliases.split("|") if a.strip()]
        return labels

    def aliases(self, name: str) -> list[str]:
        """The aliases of a canonical place name, in the order the table gives them."""
        i = self._by_name.get(name)
        if i is None:
            return []
        return [label for label, how in self._labels(self.places.iloc[i]) if how == "alias"]

    def display_name(self, name: str) -> str:
        """The name with its first Latin-script alias, e.g. 'Kyiv (Kiev)'."""
        latin = [a for a in self.aliases(name) if a.isascii()]
        return f"{name} ({latin[0]})" if latin else name

    def place(self, place_id: str) -> Match | None:
        """The place with this ``place_id`` under its own name (``None`` if there is none)."""
        if not isinstance(place_id, str) or "place_id" not in self.places:
            return None
        if self._by_id is None:
            self._by_id = {str(p): i for i, p in enumerate(self.places["place_id"])}
        i = self._by_id.get(place_id)
        if i is None:
            return None
        row = self.places.iloc[i]
        return Match(place_id, str(row["name"]), str(row["name"]), "name", float(row["latitude"]),
                     float(row["longitude"]), self._origin[i])

    def find(self, query: str, limit: int = 10) -> list[Match]:
        """Places matching ``query``: exact names and aliases first, then spelling variants."""
        if not isinstance(query, str) or not query.strip():
            return []
        hits: list[tuple[int, str, str]] = list(self._exact.get(normalise(query), []))
        if not hits:
            hits = [(i, label, "spelling") for i, label in self._skeleton.get(skeleton(query), [])]
        seen: set[int] = set()
        matches = []
        for i, label, how in hits:
            if i in seen:
                continue
            seen.add(i)
            row = self.places.iloc[i]
            matches.append(Match(str(row["place_id"]), str(row["name"]), label, how,
                                 float(row["latitude"]), float(row["longitude"]), self._origin[i]))
        return matches[:limit]
