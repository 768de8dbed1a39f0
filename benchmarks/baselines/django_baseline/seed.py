"""Create the tables, load the items and add the user: ``seed ITEMS.json USER PASSWORD``."""

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_baseline.settings_drf")
    django.setup()
    from django.contrib.auth.models import User  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415 - after setup()

    from django_baseline.models import Item  # noqa: PLC0415

    call_command("migrate", run_syncdb=True, verbosity=0)
    items = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    Item.objects.all().delete()
    for item in items:  # one by one, as the service's were created: same ids, same order
        Item.objects.create(**{**item, "price": Decimal(item["price"])})
    # The signed-in client of the authentication benchmarks: ``seed ITEMS.json USER PASSWORD``.
    User.objects.filter(username=sys.argv[2]).delete()
    User.objects.create_user(sys.argv[2], password=sys.argv[3])


if __name__ == "__main__":
    main()
