"""Django's own strings that its nb/nn catalogues do not translate yet.

Listed here so that makemessages keeps them in locale/, whose translations take precedence over Django's.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [gettext_noop("- Select an option -")]
