"""The closed taxonomy of interest categories: what a user can follow, what engagement is counted
against, what products are filed under. One module, so every capability names the same ids.

No special category of personal data (health, religion, politics, sexuality, ethnicity): an interest
in one would reveal it. tests/unit/test_sensitive_attributes.py keeps it that way.
"""

from typing import Literal, get_args

Category = Literal[
    "TECH_SAAS",
    "EDUCATION",
    "FINANCE",
    "TRAVEL",
    "FOOD_BEVERAGE",
    "FASHION",
    "BEAUTY",
    "HOME",
    "ENTERTAINMENT",
    "GAMING",
    "SPORTS",
    "AUTOMOTIVE",
    "ELECTRONICS",
    "PETS",
    "MEDIA",
    "RETAIL",
    "SUSTAINABILITY",
    "BUSINESS_SERVICES",
    "OUTDOORS",
    "ARTS_CRAFTS",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)
