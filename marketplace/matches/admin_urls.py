from django.urls import path

from . import admin_views as views

app_name = "matches_admin"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("recommended/", views.recommended, name="recommended"),
    path("propose/", views.propose, name="propose"),
    path("<dbid:pk>/", views.detail, name="detail"),
    path("<dbid:pk>/recommend/", views.recommend, name="recommend"),
    path("<dbid:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("<dbid:pk>/deal/", views.deal, name="deal"),
    path("<dbid:pk>/messages/", views.message, name="message"),
]
