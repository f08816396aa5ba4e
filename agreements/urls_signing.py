"""Sign-off URLs, included in agreements/urls.py (namespace "agreements")."""

from django.urls import path

from agreements import views_archive, views_signing

urlpatterns = [
    path("<int:pk>/signering/", views_signing.signing_page, name="signing"),
    path("<int:pk>/signering/send/", views_signing.send_for_signature, name="send_for_signature"),
    path("<int:pk>/signering/tilbake/", views_signing.return_to_draft, name="return_to_draft"),
    path("<int:pk>/signering/signer/", views_signing.sign, name="sign"),
    path("<int:pk>/revider/", views_signing.revise, name="revise"),
    path("<int:pk>/pdf/", views_signing.agreement_pdf, name="pdf"),
    path("<int:pk>/endringer/", views_signing.agreement_changes, name="changes"),
    path("verifiser/", views_signing.verify, name="verify"),
    path("verifiser/<slug:code>/", views_signing.verify_agreement, name="verify_agreement"),
    # Archive packages (agreements/archive.py)
    path("<int:pk>/arkiv.zip", views_archive.agreement_archive, name="archive"),
    path("distrikt/<int:pk>/arkiv.zip", views_archive.district_archive, name="district_archive"),
]
