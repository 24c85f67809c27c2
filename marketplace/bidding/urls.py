app_name = "bidding"
urlpatterns: list = []
