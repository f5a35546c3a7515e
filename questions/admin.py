"""Questions in the admin: a seller answers those on their own lots; moderators hide any."""

from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect

from core.admin.access import acts_as_moderator, sees_all
from core.admin.lookups import DeclaredLookupsOnly
from core.admin.reason import reason_action
from core.errors import GavelError
from questions.models import Question
from questions.services import ANSWER_MAX, question_answer, question_hide


class QuestionAnswerForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ("answer",)
        widgets = {"answer": forms.Textarea(attrs={"rows": 4, "maxlength": ANSWER_MAX})}


@admin.register(Question)
class QuestionAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    form = QuestionAnswerForm
    list_display = ("text", "auction", "answered_at", "hidden", "created_at")
    list_filter = ("hidden", ("answered_at", admin.EmptyFieldListFilter))
    readonly_fields = ("auction", "text", "answered_at", "hidden", "created_at")
    list_select_related = ("auction",)
    actions = [
        reason_action(
            name="hide_selected",
            description="Hide selected questions",
            service=lambda request, question, reason: question_hide(
                question=question, actor=request.user, reason=reason
            ),
            done="Hidden",
            submit_label="Hide",
            permissions=("moderate",),
        )
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_all(request):
            return queryset
        return queryset.filter(auction__seller=request.user)

    def has_moderate_permission(self, request, obj=None):
        return acts_as_moderator(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Only the lot's seller answers (the one field there is to change); to anyone else, a
        # moderator included, a question is view-only, and their POST a 403 that saves nothing.
        if obj is not None and obj.auction.seller_id != request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        question_answer(question=obj, actor=request.user, answer=form.cleaned_data["answer"])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except GavelError as error:
            self.message_user(request, error.message, level="error")
            return HttpResponseRedirect(request.get_full_path())
