"""The sector taxonomy (`data/sectors.toml`) and the thematic layers with their categories (`data/layers.toml`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from regionmap.data.record_texts import text_columns
from regionmap.config import DEFAULT_LANGUAGE, LANGUAGES, data_dir, load_toml
from regionmap.errors import ConfigError
from regionmap.maps.markers import DEFAULT_SHAPE, SHAPE_NAMES

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Sector:
    id: str
    labels: dict[str, str]
    colour: str
    icon: str
    shape: str = DEFAULT_SHAPE  # marker shape (regionmap.maps.markers), distinct among the sectors

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Category:
    id: str
    labels: dict[str, str]
    colour: str
    shape: str = DEFAULT_SHAPE  # marker shape (regionmap.maps.markers), distinct among the layer's categories

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE]


COLUMN_TYPES = ("text", "text_id", "float", "bool", "choice", "register_id", "date", "email", "phone")
"""Types of a layer's extra columns (`[layers.curated] columns`; text_id: an id of data/record_texts.toml)."""
CONFIRMATION_FIELDS = ("confirmed_by", "confirmed_on")
"""The core columns the partners' publishing fills: the confirming organisation and the day (optional everywhere)."""
CORE_FIELDS = ("id", "name", "layer", "category", "sectors", "ags", "address", "website", "source", "as_of",
               "description_de", "description_en", "description_fr", *CONFIRMATION_FIELDS)
"""The core columns of a curated point file (besides lon, lat)."""
RULES = ("one_of", "required_if_true", "excluded_if_true", "at_most", "requires")
"""The cross-field rules of a curated file (see `CuratedFile`)."""


@dataclass(frozen=True)
class Column:
    """An extra column of a layer: in the store and (unless `curated` is false) in its curated file.

    `choices` are the codes of a `choice` column, `choice_labels` their labels by code (de/en/fr, when the registry
    gives them), `unit` a `[unit]` text key (`ha`, `eur_m2`, `mbps`) its numbers are shown with."""

    name: str
    type: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    curated: bool = True
    choice_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    unit: str | None = None

    def choice_label(self, code: str, lang: str = DEFAULT_LANGUAGE) -> str:
        """The label of a code in `lang`; an unknown code (or one without labels) is returned as it is."""
        labels = self.choice_labels.get(code)
        return (labels.get(lang) or labels[DEFAULT_LANGUAGE]) if labels else code


@dataclass(frozen=True)
class CuratedFile:
    """A layer's curated file (`[layers.curated]`)."""

    file: str
    optional: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # allowed categories when only part of the layer's are curated
    join: str | None = None  # the records are joined onto source records by this column (not points)
    columns: tuple[Column, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    required_if_true: tuple[tuple[str, str], ...] = ()  # (column, bool column that makes it required)
    excluded_if_true: tuple[tuple[str, str], ...] = ()  # (column, bool column that makes it stay empty)
    at_most: tuple[tuple[str, str], ...] = ()  # (number column, number column it may not exceed when both are set)
    requires: tuple[tuple[str, str], ...] = ()  # (column, column that must be set when it is)

    def column(self, name: str) -> Column | None:
        """The extra column of this name, or None."""
        return next((c for c in self.columns if c.name == name), None)


MAX_AGE_MONTHS = 120
"""The longest maximum age a layer's records may have (`[layers.editing] max_age_months`)."""


@dataclass(frozen=True)
class Editing:
    """How partners maintain a layer's records (`[layers.editing]`): whether a change set needs a reviewer's approval
    before it is published, and after how many months a record its partner has not confirmed is overdue."""

    review: bool = False
    max_age_months: int = 12


@dataclass(frozen=True)
class Layer:
    id: str
    labels: dict[str, str]
    colour: str
    categories: tuple[Category, ...]
    source_roles: tuple[str, ...] = ()  # roles in data/sources.toml of the official datasets behind the layer
    icon: str = "place"
    page: str = ""  # the thematic page showing the layer besides the overview ("" = the overview only)
    expose: bool = True
    tour: bool = True
    curated: CuratedFile | None = None
    derive: dict[str, dict[str, Any]] = field(default_factory=dict)  # settings of the source readers, by role
    editing: Editing | None = None  # None: partners cannot edit the layer

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE]

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def column(self, name: str) -> Column | None:
        """The layer's extra column of this name (None: a core column, or none)."""
        return self.curated.column(name) if self.curated else None

    @property
    def columns(self) -> tuple[str, ...]:
        """The layer's own store columns after the core schema (a `text_id` column becomes one per language)."""
        if not self.curated:
            return ()
        return tuple(name for c in self.curated.columns
                     for name in (text_columns(c.name) if c.type == "text_id" else (c.name,)))


@dataclass(frozen=True)
class Taxonomy:
    sectors: tuple[Sector, ...]
    layers: tuple[Layer, ...]

    @property
    def sector_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sectors)

    @property
    def layer_ids(self) -> tuple[str, ...]:
        """The thematic layers' ids in registry order (the order of the URL parameter, the tables and legends)."""
        return tuple(layer.id for layer in self.layers)

    def layers_on(self, page: str) -> tuple[str, ...]:
        """The ids of the layers whose `page` is this page."""
        return tuple(layer.id for layer in self.layers if layer.page == page)

    def layer(self, layer_id: str) -> Layer:
        """The layer with this id; a ConfigError when layers.toml does not define it."""
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise ConfigError(f"layers.toml: no layer '{layer_id}'")


def _where(path: Path, table: str, index: int) -> str:
    return f"{path}: {table}[{index}]"


def _labels(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'label' must be a table with {', '.join(LANGUAGES)}")
    missing = [lang for lang in LANGUAGES if not str(raw.get(lang, "")).strip()]
    if missing:
        raise ConfigError(f"{where}: label missing for {', '.join(missing)}")
    return {lang: str(raw[lang]) for lang in LANGUAGES}


def _id(raw: dict[str, Any], where: str) -> str:
    value = str(raw.get("id", ""))
    if not ID_PATTERN.match(value):
        raise ConfigError(f"{where}: id '{value}' must match {ID_PATTERN.pattern}")
    return value


def _colour(raw: dict[str, Any], where: str) -> str:
    value = str(raw.get("colour", ""))
    if not COLOUR_PATTERN.match(value):
        raise ConfigError(f"{where}: colour '{value}' must be #rrggbb")
    return value


def _shapes(raws: list[dict[str, Any]], wheres: list[str], what: str) -> list[str]:
    """The marker shape of each entry: its `shape`, or else the first shape of `SHAPE_NAMES` no other entry has.

    Shapes must be known and distinct (`what`: among which entries), so that no class is told apart by colour alone.
    """
    named = {}
    for raw, where in zip(raws, wheres):
        if "shape" not in raw:
            continue
        shape = raw["shape"]
        if shape not in SHAPE_NAMES:
            raise ConfigError(f"{where}: shape {shape!r} is not one of {', '.join(SHAPE_NAMES)}")
        if shape in named.values():
            raise ConfigError(f"{where}: shape '{shape}' is already used by another of {what}")
        named[where] = shape
    free = iter(s for s in SHAPE_NAMES if s not in named.values())
    shapes = []
    for where in wheres:
        shape = named.get(where) or next(free, None)
        if shape is None:
            raise ConfigError(f"{where}: no marker shape left for it ({what} need distinct shapes, "
                              f"{len(SHAPE_NAMES)} exist)")
        shapes.append(shape)
    return shapes


def _unique(ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise ConfigError(f"{where}: duplicate id '{value}'")
        seen.add(value)


def _table_list(raw: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    items = raw.get(key)
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise ConfigError(f"{path}: expected a non-empty [[{key}]] list")
    return items


def load_sectors(path: Path | None = None) -> tuple[Sector, ...]:
    """Load and check `sectors.toml`."""
    path = path or data_dir() / "sectors.toml"
    sectors = []
    raws = _table_list(load_toml(path), "sectors", path)
    wheres = [_where(path, "sectors", i) for i in range(len(raws))]
    for raw, where, shape in zip(raws, wheres, _shapes(raws, wheres, "the sectors")):
        icon = str(raw.get("icon", "")).strip()
        if not icon:
            raise ConfigError(f"{where}: icon missing")
        sectors.append(Sector(id=_id(raw, where), labels=_labels(raw.get("label"), where), colour=_colour(raw, where),
                              icon=icon, shape=shape))
    _unique([s.id for s in sectors], str(path))
    return tuple(sectors)


def _strings(raw: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return tuple(raw)


def _flag(raw: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false")
    return value


def _load_column(raw: Any, where: str) -> Column:
    if not isinstance(raw, dict) or not ID_PATTERN.match(str(raw.get("name", ""))):
        raise ConfigError(f"{where}: expected a table with a 'name' matching {ID_PATTERN.pattern}")
    unknown = sorted(set(raw) - {"name", "type", "required", "choices", "curated", "unit"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    kind = str(raw.get("type", "text"))
    if kind not in COLUMN_TYPES:
        raise ConfigError(f"{where}: type '{kind}' is not one of {', '.join(COLUMN_TYPES)}")
    choices, labels = _choices(raw.get("choices", []), where)
    if (kind == "choice") != bool(choices):
        raise ConfigError(f"{where}: 'choices' go with type 'choice' (and it needs them)")
    unit = raw.get("unit")
    if unit is not None and (kind != "float" or not isinstance(unit, str) or not ID_PATTERN.match(unit)):
        raise ConfigError(f"{where}: 'unit' names a [unit] text of a float column (such as \"ha\")")
    return Column(name=str(raw["name"]), type=kind, required=_flag(raw, "required", where, True), choices=choices,
                  curated=_flag(raw, "curated", where, True), choice_labels=labels, unit=unit)


def _choices(raw: Any, where: str) -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
    """The codes of a choice column: strings, or tables `{ id, label = { de, en, fr } }` (then all of them)."""
    if isinstance(raw, list) and raw and all(isinstance(item, dict) for item in raw):
        codes = [str(item.get("id", "")) for item in raw]
        if not all(code.strip() for code in codes):
            raise ConfigError(f"{where}: every choice needs an id")
        _unique(codes, f"{where}.choices")
        labels = {code: _labels(item.get("label"), f"{where}.choices[{i}]") for i, (code, item)
                  in enumerate(zip(codes, raw))}
        return tuple(codes), labels
    return _strings(raw, where, "choices"), {}


def _load_curated(raw: Any, layer_id: str, category_ids: tuple[str, ...], where: str) -> CuratedFile | None:
    if raw is None:
        return None
    where = f"{where}.curated"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(raw) - {"file", "optional", "categories", "join", "columns", *RULES})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    columns = tuple(_load_column(c, f"{where}.columns[{i}]") for i, c in enumerate(raw.get("columns", [])))
    names = [c.name for c in columns]
    _unique(names, f"{where}.columns")
    clash = sorted(set(names) & {*CORE_FIELDS, "lon", "lat", "municipality", "kreis", "kreis_ags"})
    if clash:
        raise ConfigError(f"{where}: column(s) {', '.join(clash)} are core columns")
    optional = _strings(raw.get("optional", []), where, "optional")
    if not set(optional) <= set(CORE_FIELDS):
        raise ConfigError(f"{where}: 'optional' names columns outside the core schema: "
                          f"{', '.join(sorted(set(optional) - set(CORE_FIELDS)))}")
    categories = _strings(raw.get("categories", []), where, "categories")
    if not set(categories) <= set(category_ids):
        raise ConfigError(f"{where}: 'categories' {', '.join(sorted(set(categories) - set(category_ids)))} "
                          f"are not categories of layer '{layer_id}'")
    join = raw.get("join")
    if join is not None and join not in names:
        raise ConfigError(f"{where}: join column '{join}' is not among its 'columns'")
    one_of = tuple(_strings(group, where, "one_of") for group in raw.get("one_of", []))
    bools = {c.name for c in columns if c.type == "bool"}
    floats = {c.name for c in columns if c.type == "float"}
    required_if_true = _pairs(raw, "required_if_true", where, set(names), bools, "a column and a bool column")
    excluded_if_true = _pairs(raw, "excluded_if_true", where, set(names), bools, "a column and a bool column")
    at_most = _pairs(raw, "at_most", where, floats, floats, "two float columns")
    requires = _pairs(raw, "requires", where, set(names), set(names), "two columns")
    if any(not set(group) <= set(names) for group in one_of):
        raise ConfigError(f"{where}: 'one_of' names columns the layer does not have")
    file = str(raw.get("file", f"{layer_id}.csv"))
    if "/" in file or "\\" in file or not file.endswith(".csv"):
        raise ConfigError(f"{where}: file '{file}' must be a .csv file name in the curated directory")
    return CuratedFile(file=file, optional=optional, categories=categories, join=str(join) if join else None,
                       columns=columns, one_of=one_of, required_if_true=required_if_true,
                       excluded_if_true=excluded_if_true, at_most=at_most, requires=requires)


def _pairs(raw: dict[str, Any], key: str, where: str, columns: set[str], targets: set[str],
           needs: str) -> tuple[tuple[str, str], ...]:
    """A rule table `column = "other column"` of `[layers.curated]`, checked against the columns it may name."""
    table = raw.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: '{key}' must be a table column -> column")
    for column, other in table.items():
        if column not in columns or other not in targets or column == other:
            raise ConfigError(f"{where}: {key}.{column} = '{other}' needs {needs}")
    return tuple((str(k), str(v)) for k, v in table.items())


def _load_editing(raw: Any, layer_id: str, curated: Any, where: str) -> Editing | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"review", "max_age_months"}:
        raise ConfigError(f"{where}: 'editing' must be a table with at most 'review' and 'max_age_months'")
    if not isinstance(curated, dict) or "join" in curated:
        raise ConfigError(f"{where}: layer '{layer_id}' has 'editing' but no curated point file to edit")
    months = raw.get("max_age_months", Editing.max_age_months)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_AGE_MONTHS:
        raise ConfigError(f"{where}.editing: 'max_age_months' must be a whole number of months from 1 to "
                          f"{MAX_AGE_MONTHS}, got {months!r}")
    return Editing(review=_flag(raw, "review", f"{where}.editing", False), max_age_months=months)


def _load_layer(raw: dict[str, Any], where: str) -> Layer:
    categories = raw.get("categories")
    if not isinstance(categories, list) or not categories:
        raise ConfigError(f"{where}: expected a non-empty 'categories' list")
    cat_wheres = [f"{where}.categories[{j}]" for j in range(len(categories))]
    for cat, cat_where in zip(categories, cat_wheres):
        if not isinstance(cat, dict):
            raise ConfigError(f"{cat_where}: expected a table")
    cats = [Category(id=_id(cat, cat_where), labels=_labels(cat.get("label"), cat_where),
                     colour=_colour(cat, cat_where), shape=shape)
            for cat, cat_where, shape in zip(categories, cat_wheres,
                                             _shapes(categories, cat_wheres, "the layer's categories"))]
    _unique([c.id for c in cats], where)
    roles = raw.get("sources", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ConfigError(f"{where}: 'sources' must be a list of source roles")
    layer_id = _id(raw, where)
    derive = raw.get("derive", {})
    if not isinstance(derive, dict) or not all(isinstance(v, dict) for v in derive.values()):
        raise ConfigError(f"{where}: 'derive' must hold one table per source role")
    for role in derive:
        if role not in roles:
            raise ConfigError(f"{where}: derive.{role}: '{role}' is not among the layer's 'sources'")
    icon = raw.get("icon", "place")
    page = raw.get("page", "")
    if not isinstance(icon, str) or not ID_PATTERN.match(icon) or not isinstance(page, str):
        raise ConfigError(f"{where}: 'icon' must be a Material Symbols name and 'page' a page's URL path")
    category_ids = tuple(c.id for c in cats)
    layer = Layer(id=layer_id, labels=_labels(raw.get("label"), where), colour=_colour(raw, where),
                  categories=tuple(cats), source_roles=tuple(roles), icon=icon, page=page,
                  expose=_flag(raw, "expose", where, True), tour=_flag(raw, "tour", where, True),
                  curated=_load_curated(raw.get("curated"), layer_id, category_ids, where), derive=derive,
                  editing=_load_editing(raw.get("editing"), layer_id, raw.get("curated"), where))
    for role, settings in derive.items():
        for key in ("default_category", "scheduled_category"):
            if key in settings and settings[key] not in category_ids:
                raise ConfigError(f"{where}: derive.{role}.{key} = '{settings[key]}' is not a {layer_id} category")
        for key, category in dict(settings.get("categories", {})).items():
            if category not in category_ids:
                raise ConfigError(f"{where}: derive.{role}.categories.{key} = '{category}' is not a {layer_id} "
                                  "category")
        if "scheduled" in settings:
            _strings(settings["scheduled"], f"{where}: derive.{role}", "scheduled")
    return layer


def load_layers(path: Path | None = None) -> tuple[Layer, ...]:
    """Load and check `layers.toml`."""
    path = path or data_dir() / "layers.toml"
    raw = load_toml(path)
    items = _table_list(raw, "layers", path)
    layers = tuple(_load_layer(item, _where(path, "layers", i)) for i, item in enumerate(items))
    _unique([layer.id for layer in layers], str(path))
    files = [layer.curated.file for layer in layers if layer.curated]
    _unique(files, f"{path}: curated files")
    return layers


def load_taxonomy(directory: Path | None = None) -> Taxonomy:
    """Load sectors.toml and layers.toml from `directory` (default: the configured data directory)."""
    directory = directory or data_dir()
    sectors = load_sectors(directory / "sectors.toml")
    layers = load_layers(directory / "layers.toml")
    known = {s.id for s in sectors}
    for layer in layers:
        for role, settings in layer.derive.items():
            unknown = sorted(set(settings.get("sectors", [])) - known)
            if unknown:
                raise ConfigError(f"{directory / 'layers.toml'}: layer '{layer.id}' derive.{role}: unknown sector(s) "
                                  f"{', '.join(unknown)}")
    return Taxonomy(sectors=sectors, layers=layers)


@lru_cache(maxsize=None)
def taxonomy() -> Taxonomy:
    """The configured taxonomy (cached)."""
    return load_taxonomy()
