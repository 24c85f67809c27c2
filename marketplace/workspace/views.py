from django.http import HttpResponse


def dashboard(request):  # replaced by the workspace
    return HttpResponse("")


def listing_edit(request, kind, pk):  # replaced by the workspace
    return HttpResponse("")
