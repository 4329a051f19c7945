import time

from django.core.management.base import BaseCommand, CommandError

from demo_project.catalog.generator import DEFAULT_SEED, DEMO_PASSWORD, generate_catalog


class Command(BaseCommand):
    help = "Replace the catalog with generated data: the same rows for the same size and seed."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=1_000, help="how many items (0-1000000)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the generator's seed")

    def handle(self, *args, items: int, seed: int, **options):
        if not 0 <= items <= 1_000_000:
            raise CommandError("--items must be between 0 and 1000000.")
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done:>9,} / {total:,} items", ending="\r")
            self.stdout.flush()

        size = generate_catalog(items=items, seed=seed, progress=progress)
        elapsed = time.perf_counter() - started
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {size.items:,} items, {size.reviews:,} reviews, {size.categories} "
                f"categories, {size.tags} tags and {size.users} users in {elapsed:.1f} s."
            )
        )
        self.stdout.write(f"Every user's password is {DEMO_PASSWORD!r}; 'admin' is staff.")
