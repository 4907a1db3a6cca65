"""A response's answers checked against the survey's questions.

NPS: a whole number 0-10; rating: a whole number 1-5; choice: one of the question's options; text:
1 to MAX_TEXT characters. Every answer names a question of the survey, at most once; every required
question is answered, an optional one may be left out.
"""

from collections.abc import Sequence

from nudge.catalog.catalog_models import Question, Survey
from nudge.catalog.response_models import Answer
from nudge.errors import RequestInvalid

MAX_TEXT = 2000
SCALES = {"nps": (0, 10), "rating": (1, 5)}


def value_problem(question: Question, value: int | str) -> str | None:
    """What is wrong with the value as an answer to the question; None when nothing is."""
    if question.type in SCALES:
        low, high = SCALES[question.type]
        if not isinstance(value, int) or not low <= value <= high:
            return f"a {question.type} answer is a whole number from {low} to {high}"
        return None
    if not isinstance(value, str):
        return f"a {question.type} answer is text"
    if question.type == "choice" and value not in (question.options or []):
        return "is not one of the question's options"
    if not value.strip() or len(value) > MAX_TEXT:
        return f"a text answer is 1 to {MAX_TEXT} characters, not blank"
    return None


def answer_problems(survey: Survey, answers: Sequence[Answer]) -> list[tuple[str, str]]:
    questions = {question.question_id: question for question in survey.questions}
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, answer in enumerate(answers):
        question = questions.get(answer.question_id)
        if question is None or answer.question_id in seen:
            reason = "is not a question of this survey" if question is None else "is answered more than once"
            problems.append((f"answers[{index}].question_id", reason))
        else:
            problem = value_problem(question, answer.value)
            problems += [(f"answers[{index}].value", problem)] if problem else []
        seen.add(answer.question_id)
    missing = [q.question_id for q in survey.questions if q.required and q.question_id not in seen]
    problems += [("answers", f"question '{question_id}' is required") for question_id in missing]
    return problems


def check_answers(survey: Survey, answers: Sequence[Answer]) -> None:
    problems = answer_problems(survey, answers)
    if problems:
        raise RequestInvalid(problems)
