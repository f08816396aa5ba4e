from django.urls import path

from agreements import views, views_import
from agreements.urls_negotiation import urlpatterns as negotiation_urlpatterns
from agreements.urls_signing import urlpatterns as signing_urlpatterns

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("ny/", views.agreement_create, name="create"),
    path("importer/", views_import.agreement_import_view, name="import"),
    path("importer/ko/", views_import.import_queue, name="import_queue"),
    path("importer/samlet/", views_import.import_bulk, name="import_bulk"),
    path("importer/<int:pk>/", views_import.import_review, name="import_review"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/rediger/", views.agreement_edit, name="edit"),
    path("<int:pk>/endringslogg/", views.changelog, name="changelog"),
    path("<int:pk>/avsnitt/ny/", views.section_add, name="section_add"),
    path("<int:pk>/avsnitt/<int:section_pk>/", views.section_detail, name="section"),
    path("<int:pk>/avsnitt/<int:section_pk>/rediger/", views.section_edit, name="section_edit"),
    path("<int:pk>/avsnitt/<int:section_pk>/gjennomgatt/", views.section_review, name="section_review"),
    path("<int:pk>/avsnitt/<int:section_pk>/flytt/", views.section_move, name="section_move"),
    path("<int:pk>/avsnitt/<int:section_pk>/fjern/", views.section_delete, name="section_delete"),
    path("<int:pk>/avsnitt/<int:section_pk>/historikk/", views.section_history, name="section_history"),
    path("<int:pk>/avsnitt/<int:section_pk>/sammenlign/", views.section_diff, name="section_diff"),
    path("<int:pk>/deler/<slug:part>/", views.part_edit, name="part_edit"),
    path("<int:pk>/vedlegg/ny/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/vedlegg/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/vedlegg/<int:attachment_pk>/slett/", views.attachment_delete, name="attachment_delete"),
    path("maler/", views.template_list, name="template_list"),
    path("maler/ny/", views.template_create, name="template_create"),
    path("maler/<int:pk>/", views.template_detail, name="template_detail"),
    path("maler/<int:pk>/avsnitt/ny/", views.template_section_edit, name="template_section_add"),
    path("maler/<int:pk>/avsnitt/<int:section_pk>/", views.template_section_edit, name="template_section_edit"),
    path("maler/<int:pk>/avsnitt/<int:section_pk>/flytt/", views.template_section_move, name="template_section_move"),
    path(
        "maler/<int:pk>/avsnitt/<int:section_pk>/fjern/", views.template_section_delete, name="template_section_delete"
    ),
    *signing_urlpatterns,
    *negotiation_urlpatterns,
]
