from django.urls import path

from . import views

app_name = "bidding"
urlpatterns = [
    path("", views.my_bids, name="mine"),
    path("new/<str:kind>/<int:page_id>/", views.bid_create, name="bid_create"),
    path("<int:pk>/", views.bid_detail, name="bid_detail"),
    path("<int:pk>/edit/", views.bid_edit, name="bid_edit"),
    path("<int:pk>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
    path("<int:pk>/shortlist/", views.bid_shortlist, name="bid_shortlist"),
    path("<int:pk>/award/", views.bid_award, name="bid_award"),
    path("<int:pk>/decline/", views.bid_decline, name="bid_decline"),
    path("<int:pk>/messages/", views.bid_message, name="bid_message"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("received/<str:kind>/<int:page_id>/", views.received, name="received"),
    path("compare/<str:kind>/<int:page_id>/", views.compare, name="compare"),
    path("access-log/<str:kind>/<int:page_id>/", views.access_log, name="access_log"),
    path("demand/<int:page_id>/questions/", views.question_ask, name="question_ask"),
    path("questions/<int:pk>/answer/", views.question_answer, name="question_answer"),
    path("demand/<int:page_id>/confidential/", views.confidential, name="confidential"),
    path("demand/<int:page_id>/close/", views.demand_close, name="demand_close"),
]
