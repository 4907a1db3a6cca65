"""Translate template.yaml with the SAM translator and write the plain CloudFormation result.

`sam validate --lint` and cfn-lint on the SAM source both miss some errors (a !Ref to a resource
that does not exist, for one); cfn-lint on the translated template catches them. Local CodeUri and
ContentUri paths are swapped for placeholder S3 locations, as `sam validate` does.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from cfnlint.decode import decode
from samtranslator.translator.transform import transform

PLACEHOLDER_URI = "s3://nudge-lint-placeholder/artifact.zip"


class _NoManagedPolicies:
    """The template uses SAM policy templates only; nothing needs resolving from IAM."""

    def load(self) -> dict[str, str]:
        return {}


def _placeholder_paths(template: dict[str, Any]) -> None:
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = PLACEHOLDER_URI


def main(source: str, destination: str) -> int:
    template, problems = decode(source)
    if problems or template is None:
        for problem in problems or []:
            print(problem, file=sys.stderr)
        return 1
    _placeholder_paths(template)
    # The translator fills in pseudo parameters from a boto session; any region does for linting.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    translated = transform(template, {}, _NoManagedPolicies())
    Path(destination).parent.mkdir(parents=True, exist_ok=True)
    # Compact, as CloudFormation keeps a processed template: cfn-lint then checks its 1 MB limit on that size.
    Path(destination).write_text(json.dumps(translated, separators=(",", ":"), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
