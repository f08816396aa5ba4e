from django.urls import path

from samarbeid import meeting_views as views

app_name = "meetings"
urlpatterns = [
    path("forum/<int:forum_pk>/nytt/", views.meeting_create, name="create"),
    path("forum/<int:forum_pk>/oppfolging/", views.forum_actions, name="actions"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/endre/", views.meeting_edit, name="edit"),
    path("<int:pk>/status/<slug:action>/", views.meeting_transition, name="transition"),
    path("<int:pk>/saker/", views.agenda_item_create, name="agenda_item_create"),
    path("<int:pk>/saker/<int:item_pk>/referat/", views.agenda_item_minutes, name="agenda_item_minutes"),
    path("<int:pk>/saker/<int:item_pk>/vedtak/", views.decision_create, name="decision_create"),
    path("<int:pk>/vedtak/<int:decision_pk>/oppfolging/", views.action_create, name="action_create"),
    path("<int:pk>/oppmote/<int:membership_pk>/", views.attendance_set, name="attendance"),
    path("<int:pk>/vedlegg/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/vedlegg/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/vedlegg/<int:attachment_pk>/slett/", views.attachment_remove, name="attachment_delete"),
    path("<int:pk>/mote.ics", views.meeting_ics, name="ics"),
    path("<int:pk>/<slug:document>.pdf", views.meeting_pdf, name="pdf"),
    path("oppfolging/<int:action_pk>/", views.action_edit, name="action_edit"),
    path("oppfolging/<int:action_pk>/lukk/", views.action_close, name="action_close"),
    path("oppfolging/<int:action_pk>/gjenapne/", views.action_reopen, name="action_reopen"),
    path("kalender/", views.calendar, name="calendar"),
    path("kalender/<str:token>/moter.ics", views.user_feed, name="user_feed"),
    path("kalender/<str:token>/forum/<int:forum_pk>.ics", views.forum_feed, name="forum_feed"),
]
