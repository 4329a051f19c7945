from django.contrib import admin

from .models import Category, Item, Review, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "owner", "price", "is_active", "created_at"]
    list_filter = ["is_active", "category"]
    list_select_related = ["category", "owner"]  # the changelist would be an N+1 without it
    search_fields = ["name"]
    autocomplete_fields = ["category", "tags"]
    raw_id_fields = ["owner"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["item", "author", "rating", "created_at"]
    list_select_related = ["item", "author"]
    raw_id_fields = ["item", "author"]
