from django.urls import path

from councils import views, views_archive

app_name = "councils"
urlpatterns = [
    path("", views.council_list, name="list"),
    path("nytt/", views.council_create, name="create"),
    path("<int:pk>/", views.council_detail, name="detail"),
    path("<int:pk>/endre/", views.council_edit, name="edit"),
    path("<int:pk>/medlemmer/", views.council_members, name="members"),
    path("<int:pk>/medlemmer/<int:membership_pk>/avslutt/", views.membership_end_view, name="membership_end"),
    path("<int:pk>/arshjul/<year:year>/", views.year_plan, name="year_plan"),
    path("<int:pk>/arshjul/<year:year>/vedtak/", views.year_plan_decide, name="year_plan_decide"),
    path("<int:pk>/evaluering/<year:year>/", views.evaluation, name="evaluation"),
    path("<int:pk>/logg/", views.log, name="log"),
    path("<int:pk>/logg/<int:entry_pk>/rett/", views.log_entry_edit, name="log_entry_edit"),
    path("<int:pk>/logg/<int:entry_pk>/slett/", views.log_entry_delete, name="log_entry_delete"),
    path("<int:pk>/arkiv/<year:year>.zip", views_archive.minutes_archive, name="minutes_archive"),
]
