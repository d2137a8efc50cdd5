"""Places and areas: place names across spellings, coordinates from names, admin p-codes, swapped points.

Public names
------------
:class:`Gazetteer`, :class:`Match`, :func:`normalise` (:mod:`~geodata.geo.gazetteer`)
    One canonical place for every transliteration, Arabic spelling or
    alias, saying which name matched.
:func:`geocode`, :func:`geonames_places`, :func:`merge_places` (:mod:`~geodata.geo.places`)
    Coordinates for rows that only name their place (marked ``geocoded``;
    an ambiguous name is left alone), and GeoNames towns added to a dataset's places.
:func:`assign_admin_codes` (:mod:`~geodata.geo.spatial`)
    Admin p-codes by point-in-polygon; points outside every polygon are
    flagged ``outside_boundaries``, never dropped.
:func:`looks_swapped`, :data:`Area` (:mod:`~geodata.geo.coordinates`)
    Which points look like latitude and longitude given the wrong way round.

:mod:`geodata.geo.boundaries` loads boundary files for the map (import it as a module).
"""
from geodata.geo.coordinates import Area, looks_swapped
from geodata.geo.gazetteer import Gazetteer, Match, normalise
from geodata.geo.places import geocode, geonames_places, merge_places
from geodata.geo.spatial import assign_admin_codes

__all__ = ["Area", "Gazetteer", "Match", "assign_admin_codes", "geocode", "geonames_places", "looks_swapped",
           "merge_places", "normalise"]
