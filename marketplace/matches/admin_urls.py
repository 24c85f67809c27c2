from django.urls import path

from . import admin_views as views

app_name = "matches_admin"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("recommended/", views.recommended, name="recommended"),
    path("propose/", views.propose, name="propose"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/recommend/", views.recommend, name="recommend"),
    path("<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("<int:pk>/deal/", views.deal, name="deal"),
    path("<int:pk>/messages/", views.message, name="message"),
]
