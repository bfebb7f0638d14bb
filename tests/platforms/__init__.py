"""Third-party store platforms (OpenCart, EverShop) as test stores: install scripts, fixtures,
the break-a-promise API. See README.md here."""
