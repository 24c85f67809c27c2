from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("<dbid:pk>/", views.project_detail, name="detail"),
    path("<dbid:pk>/start/", views.project_start, name="start"),
    path("<dbid:pk>/acceptance/", views.acceptance_request, name="acceptance_request"),
    path("<dbid:pk>/contract/", views.contract_register, name="contract_register"),
    path("<dbid:pk>/payments/", views.payment_record, name="payment_record"),
    path("contracts/<dbid:pk>/confirm/", views.contract_confirm, name="contract_confirm"),
    path("contracts/<dbid:pk>/return/", views.contract_return, name="contract_return"),
    path("objections/<dbid:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("milestones/<dbid:pk>/report/", views.milestone_report, name="milestone_report"),
    path("milestones/<dbid:pk>/accept/", views.milestone_accept, name="milestone_accept"),
    path("milestones/<dbid:pk>/return/", views.milestone_return, name="milestone_return"),
    path("reports/<dbid:pk>/file/", views.report_file, name="report_file"),
    path("acceptances/<dbid:pk>/sign/", views.acceptance_sign, name="acceptance_sign"),
    path("acceptances/<dbid:pk>/return/", views.acceptance_return, name="acceptance_return"),
]
