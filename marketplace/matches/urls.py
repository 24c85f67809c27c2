from django.urls import path

from . import views

app_name = "matches"
urlpatterns = [
    path("", views.match_list, name="list"),
    path("<dbid:pk>/", views.match_detail, name="detail"),
    path("<dbid:pk>/answer/", views.match_answer, name="answer"),
    path("<dbid:pk>/messages/", views.match_message, name="message"),
]
