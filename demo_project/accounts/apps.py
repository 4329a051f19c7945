from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "demo_project.accounts"
    label = "accounts"
