from django.urls import path

from . import views

app_name = "cms"
urlpatterns = [
    path("attachments/<str:kind>/<dbid:pk>/", views.attachment, name="attachment"),
]
