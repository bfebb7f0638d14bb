"""Settings for EverShop through its own admin REST API (run once by install-evershop.sh):
cash on delivery on, a shipping zone for the United States with one flat-rate method, and the
store's name and e-mail. EverShop ships with neither payment nor shipping set up.

    python3 configure.py http://127.0.0.1:PORT ADMIN_EMAIL ADMIN_PASSWORD
"""

import json
import sys
import urllib.error
import urllib.request

base, email, password = sys.argv[1:4]
SHIPPING_METHOD = "Standard Delivery"
SHIPPING_COST = 6


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"configure.py: {method} {path}: HTTP {error.code}: {error.read().decode()[:500]}")


token = call("POST", "/api/user/tokens", {"email": email, "password": password})["data"]["accessToken"]
call("POST", "/api/settings", {
    "codPaymentStatus": 1, "codDisplayName": "Cash on Delivery",
    "storeName": "Keepword EverShop", "storeEmail": "shop@evershop.example.test",
    "storeCountry": "US", "storeCurrency": "USD", "storeTimeZone": "UTC",
}, token)
zone = call("POST", "/api/shippingZones", {"name": "United States", "countries": ["US"]}, token)["data"]
method = call("POST", "/api/shippingProviders/core/methods", {"name": SHIPPING_METHOD, "is_enabled": True}, token)["data"]
rate = call("POST", "/api/shippingProviders/core/rates", {
    "method_id": method["uuid"], "zone_id": zone["uuid"], "is_enabled": True, "cost": SHIPPING_COST,
}, token)["data"]
print(f"configure.py: cash on delivery on; zone {zone['name']!r}, method {method['name']!r} at {rate['cost']}")
