"""The kinds of survey question and how many a survey may have: what a response's answers are typed and
bounded by, apart from the survey models (a stored response decodes without them)."""

from typing import Literal

MAX_QUESTIONS = 20
QuestionType = Literal["nps", "rating", "text", "choice"]
