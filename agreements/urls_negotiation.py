"""Negotiation URLs, included in agreements/urls.py (namespace "agreements")."""

from django.urls import path

from agreements import views_negotiation as views

urlpatterns = [
    path("<int:pk>/forhandling/", views.negotiation_overview, name="negotiation"),
    path("<int:pk>/forhandling/innstilling/", views.negotiation_setting, name="negotiation_setting"),
    path("<int:pk>/kommentarer/ny/", views.comment_create, name="comment_create"),
    path("<int:pk>/kommentarer/<int:thread_pk>/svar/", views.comment_reply, name="comment_reply"),
    path("<int:pk>/kommentarer/<int:thread_pk>/lost/", views.thread_resolve, name="thread_resolve"),
    path("<int:pk>/avsnitt/<int:section_pk>/foresla/", views.proposal_create, name="proposal_create"),
    path("<int:pk>/avsnitt/<int:section_pk>/malen/", views.section_template, name="section_template"),
    path("<int:pk>/forslag/<int:proposal_pk>/", views.proposal_detail, name="proposal"),
    path("<int:pk>/saksdokument.docx", views.case_papers, name="case_papers"),
    path("<int:pk>/kommunestyrevedtak/", views.council_decision, name="council_decision"),
]
