"""The category taxonomy: what interests, events and products are about.

Closed on purpose: an interest vector is bounded by it, and it holds no special category of personal
data (health, religion, politics, sexuality, ethnicity), so nothing derived from behavior can say
anything about those.
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
]
CATEGORIES: tuple[str, ...] = get_args(Category)
