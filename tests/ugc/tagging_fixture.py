"""A labelled tagging fixture built in code: a small fashion catalogue and captions written
the way customers write them, each labelled with the product it shows."""

from __future__ import annotations

PRODUCTS = [
    ("DR-SUN", "Sunset Linen Dress", "dress", "Summer", "Dresses"),
    ("DR-NOIR", "Noir Satin Slip Dress", "dress", "Evening", "Dresses"),
    ("BT-TRAIL", "Trail Leather Ankle Boots", "boots", "Outdoor", "Shoes"),
    ("SN-CLOUD", "Cloud Runner Sneakers", "sneakers", "Active", "Shoes"),
    ("SW-RIB", "Ribbed One-Piece Swimsuit", "swimwear", "Summer", "Swim"),
    ("JK-DENIM", "Classic Denim Jacket", "jacket", "Essentials", "Outerwear"),
    ("CT-WOOL", "Wool Wrap Coat", "coat", "Winter", "Outerwear"),
    ("BG-TOTE", "Canvas Market Tote Bag", "bag", "Essentials", "Accessories"),
    ("HT-STRAW", "Wide Brim Straw Hat", "hat", "Summer", "Accessories"),
    ("SG-AVI", "Aviator Sunglasses", "sunglasses", "Summer", "Accessories"),
    ("YG-LEG", "High-Rise Yoga Leggings", "leggings", "Active", "Activewear"),
    ("KN-CABLE", "Cable Knit Sweater", "sweater", "Winter", "Knitwear"),
]

# (caption, alt text, expected SKU)
LABELLED = [
    ("Golden hour on the beach in my new sunset dress 🌅 #sunsetlinendress", "", "DR-SUN"),
    (
        "linen dress + sand between my toes = perfect saturday",
        "woman in an orange dress on a beach",
        "DR-SUN",
    ),
    ("Date night look, silky black slip dress ✨", "", "DR-NOIR"),
    ("satin and heels for the gala tonight #noir", "woman in black satin dress", "DR-NOIR"),
    ("Hiked 12 miles and my feet are still happy. These boots are tanks", "", "BT-TRAIL"),
    ("muddy trail, leather ankle boots holding up great #hiking", "", "BT-TRAIL"),
    ("Morning 5k in the comfiest running shoes ever #cloudrunner", "", "SN-CLOUD"),
    ("new kicks for the gym, feel like walking on clouds", "white sneakers", "SN-CLOUD"),
    ("pool day in the ribbed swimsuit, obsessed", "", "SW-RIB"),
    (
        "one-piece that actually fits! swimming all summer",
        "woman in a swimsuit by a pool",
        "SW-RIB",
    ),
    ("Layered my jean jacket over everything this week", "", "JK-DENIM"),
    ("classic denim never goes out of style #denimjacket", "", "JK-DENIM"),
    ("First snow and the wrap coat is keeping me toasty", "", "CT-WOOL"),
    ("camel wool coat season is here ❄️", "woman in a long wool coat", "CT-WOOL"),
    ("farmers market haul fits perfectly in my canvas tote", "", "BG-TOTE"),
    ("this tote bag carries my whole life", "canvas bag with vegetables", "BG-TOTE"),
    ("Sun's out, straw hat on 👒", "", "HT-STRAW"),
    ("wide brim hat saved my face at the festival", "woman in a big straw hat", "HT-STRAW"),
    ("aviators on, top down, summer road trip", "", "SG-AVI"),
    ("new sunglasses who dis 😎 #aviator", "", "SG-AVI"),
    ("hot yoga in my favourite high rise leggings", "", "YG-LEG"),
    ("squat proof leggings, passed the test #gym", "", "YG-LEG"),
    ("cozy cable knit and hot cocoa by the fire", "", "KN-CABLE"),
    ("chunky sweater weather is the best weather", "person in a cream knitted jumper", "KN-CABLE"),
    ("Wearing DR-NOIR to my sister's wedding", "", "DR-NOIR"),
    ("vacation mode: dress, hat and sandals by the sea #sunsetdress", "", "DR-SUN"),
]
