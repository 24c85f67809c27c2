from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list_view, name="list"),
    path("new/", views.alert_save, name="save"),
    path("<dbid:pk>/", views.alert_detail, name="detail"),
    path("<dbid:pk>/pause/", views.alert_pause, name="pause"),
    path("<dbid:pk>/delete/", views.alert_delete_view, name="delete"),
    path("listing/<str:kind>/<dbid:pk>/", views.match_subscription_view, name="listing"),
]
