from django.urls import path

from . import views

app_name = "bidding"
urlpatterns = [
    path("", views.my_bids, name="mine"),
    path("new/<str:kind>/<dbid:page_id>/", views.bid_create, name="bid_create"),
    path("<dbid:pk>/", views.bid_detail, name="bid_detail"),
    path("<dbid:pk>/edit/", views.bid_edit, name="bid_edit"),
    path("<dbid:pk>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
    path("<dbid:pk>/shortlist/", views.bid_shortlist, name="bid_shortlist"),
    path("<dbid:pk>/award/", views.bid_award, name="bid_award"),
    path("<dbid:pk>/decline/", views.bid_decline, name="bid_decline"),
    path("<dbid:pk>/messages/", views.bid_message, name="bid_message"),
    path("attachments/<dbid:pk>/", views.attachment_download, name="attachment"),
    path("received/<str:kind>/<dbid:page_id>/", views.received, name="received"),
    path("compare/<str:kind>/<dbid:page_id>/", views.compare, name="compare"),
    path("access-log/<str:kind>/<dbid:page_id>/", views.access_log, name="access_log"),
    path("demand/<dbid:page_id>/questions/", views.question_ask, name="question_ask"),
    path("questions/<dbid:pk>/answer/", views.question_answer, name="question_answer"),
    path("demand/<dbid:page_id>/confidential/", views.confidential, name="confidential"),
    path("demand/<dbid:page_id>/close/", views.demand_close, name="demand_close"),
]
