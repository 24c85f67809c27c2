from django.http import HttpResponse


def onboard(request):  # replaced by the onboarding flow
    return HttpResponse("")
