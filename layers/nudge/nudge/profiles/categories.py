"""The category taxonomy: what interests, events and products are about. One module, so every
capability names the same ids.

Closed on purpose: an interest vector is bounded by it, and it holds no special category of personal
data (health, religion, politics, sexuality, ethnicity), so neither what a user states nor anything
derived from behavior can say anything about those. tests/unit/test_special_categories.py keeps
it that way.
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
