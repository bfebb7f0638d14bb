"""The catalogue: categories and products with prices per currency, read from YAML.

Prices are written per currency in the YAML (no exchange rates at run time), so a RUB or UAH
store shows round, plausible prices and the honest store is exact to the kopeck.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Catalogue", "Category", "Product", "load_catalogue", "scaled"]

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "catalogue.yaml"


class _CategoryModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    digital: bool = False


class _ProductModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(pattern=r"^[A-Z0-9-]+$")
    name: str
    category: str
    stock: int = Field(ge=0)
    prices: dict[str, Decimal]
    description: str = ""


class _CatalogueModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: list[_CategoryModel] = Field(min_length=1)
    products: list[_ProductModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> _CatalogueModel:
        slugs = {c.slug for c in self.categories}
        seen: set[str] = set()
        for product in self.products:
            if product.category not in slugs:
                raise ValueError(f"product {product.sku}: unknown category {product.category!r}")
            if product.sku in seen:
                raise ValueError(f"product {product.sku}: SKU listed twice")
            seen.add(product.sku)
        return self


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str
    digital: bool


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    category: Category
    price: Decimal
    initial_stock: int
    description: str

    def __repr__(self) -> str:
        return f"Product({self.sku!r}, {self.price})"


@dataclass(frozen=True, slots=True)
class Catalogue:
    categories: tuple[Category, ...]
    products: tuple[Product, ...]
    _by_sku: dict[str, Product] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A product page looks its SKU up on every request: a scan of 10,000 products would be
        # most of the page's cost in a scaled catalogue.
        self._by_sku.update((p.sku, p) for p in self.products)

    def __repr__(self) -> str:
        return f"<Catalogue {len(self.products)} products in {len(self.categories)} categories>"

    def product(self, sku: str) -> Product | None:
        return self._by_sku.get(sku)

    def category(self, slug: str) -> Category | None:
        return next((c for c in self.categories if c.slug == slug), None)

    def in_category(self, slug: str | None) -> list[Product]:
        return [p for p in self.products if slug is None or p.category.slug == slug]


def load_catalogue(path: Path | None, currency: str, *, whole_units: bool = False) -> Catalogue:
    """Read the catalogue YAML and pick each product's price in `currency`.

    `whole_units` refuses prices with a fraction (for a money pattern that shows none, where a
    hidden fraction would make the page disagree with the JSON-LD)."""
    from keepword.loading import load_document

    document = load_document(path or DEFAULT_CATALOGUE)
    model = document.validate(_CatalogueModel)
    categories = {c.slug: Category(c.slug, c.name, c.digital) for c in model.categories}
    products = []
    for index, item in enumerate(model.products):
        if currency not in item.prices:
            raise document.error(("products", index, "prices"), f"no price in {currency}; add one")
        price = item.prices[currency]
        if whole_units and price != price.to_integral_value():
            raise document.error(("products", index, "prices", currency),
                                 f"{price} has a fraction, but this store shows whole units only")
        products.append(Product(item.sku, item.name, categories[item.category], price,
                                item.stock, item.description))
    return Catalogue(tuple(categories.values()), tuple(products))


def scaled(catalogue: Catalogue, size: int) -> Catalogue:
    """The catalogue grown (or cut) to `size` products, for the catalogue check's benchmark.

    The first products are the catalogue's own; each further one copies the product in its
    place in the cycle, with a SKU suffix, a numbered name, a price a few whole units away (so a
    store that shows no fraction stays exact) and the same stock: `KIT-001-00020`, "Stainless
    Steel Kettle No. 20", 24.99 + 2. The same size always gives the same products.
    """
    base = catalogue.products
    if size <= len(base):
        return Catalogue(catalogue.categories, base[:size])
    products = list(base)
    for n in range(len(base), size):
        model = base[n % len(base)]
        products.append(Product(f"{model.sku}-{n:05d}", f"{model.name} No. {n}", model.category,
                                model.price + Decimal(n % 7), model.initial_stock, model.description))
    return Catalogue(catalogue.categories, tuple(products))
