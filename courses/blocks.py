"""StreamField blocks for lessons: what trainers write, and the quiz questions.

Every block renders with its own small template in ``courses/templates/courses/
blocks/``. Images and documents are fetched in bulk (one query per block type,
however many blocks a lesson has), so a long lesson costs no more queries than
a short one.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from . import images
from .grading import Kind, Option, Question

RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link"]


# --- Content ------------------------------------------------------------------


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        label = _("Heading")
        template = "courses/blocks/heading.html"


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        super().__init__(features=RICH_TEXT_FEATURES, **kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Text")
        template = "courses/blocks/paragraph.html"


class RenditionImageChooserBlock(ImageChooserBlock):
    """Loads every image of a lesson, with its renditions, in two queries."""

    def bulk_to_python(self, values):
        found = self.model_class.objects.prefetch_renditions(
            *images.RENDITION_SPECS
        ).in_bulk(values)
        return [found.get(pk) for pk in values]


class ImageBlock(blocks.StructBlock):
    image = RenditionImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_(
            "What the image shows, for people who cannot see it and for phones "
            "that do not load it."
        ),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    def get_context(self, value, parent_context=None):
        """The page's ``lesson_images`` says how to show it (in full if none)."""
        context = super().get_context(value, parent_context)
        shown = context.get("lesson_images") or images.LessonImages()
        context.update(mode=shown.mode, sizes=images.SIZES)
        if value["image"] is None or shown.mode == images.Mode.TEXT:
            return context
        context.update(loading=shown.next_loading(), number=shown.count)
        if shown.mode == images.Mode.PLACEHOLDER:
            small = value["image"].get_rendition(images.PLACEHOLDER_SPEC)
            size = images.file_size(small)
            context.update(small=small, kib=size and images.kib(size))
        return context

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class CalloutKind(blocks.ChoiceBlock):
    def __init__(self, **kwargs):
        choices = [
            ("activity", _("Activity")),
            ("example", _("Example")),
            ("tip", _("Tip")),
            ("warning", _("Warning")),
        ]
        super().__init__(choices=choices, default="activity", **kwargs)


class CalloutBlock(blocks.StructBlock):
    kind = CalloutKind(label=_("Kind"))
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    text = ParagraphBlock(label=_("Text"))

    class Meta:
        icon = "help"
        label = _("Callout or activity")
        template = "courses/blocks/callout.html"


class GlossaryBlock(blocks.StructBlock):
    term = blocks.CharBlock(label=_("Term"), max_length=120)
    definition = blocks.TextBlock(label=_("Definition"))

    class Meta:
        icon = "openquote"
        label = _("Glossary term")
        template = "courses/blocks/glossary.html"


class TableBlock(blocks.StructBlock):
    caption = blocks.CharBlock(label=_("Caption"), max_length=250)
    header = blocks.ListBlock(
        blocks.CharBlock(label=_("Column")), label=_("Header row")
    )
    rows = blocks.ListBlock(
        blocks.ListBlock(
            blocks.CharBlock(label=_("Cell"), required=False), label=_("Row")
        ),
        label=_("Rows"),
    )

    def clean(self, value):
        value = super().clean(value)
        width = len(value["header"])
        if any(len(row) != width for row in value["rows"]):
            raise blocks.StructBlockValidationError(
                non_block_errors=[
                    ValidationError(
                        _("Every row needs as many cells as the header row (%(n)s)."),
                        params={"n": width},
                    )
                ]
            )
        return value

    class Meta:
        icon = "table"
        label = _("Table")
        template = "courses/blocks/table.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    description = blocks.CharBlock(
        label=_("Description"), required=False, max_length=250
    )

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "courses/blocks/document.html"


class MediaLinkBlock(blocks.StructBlock):
    """Audio or video as a plain link: nothing loads until the learner asks."""

    title = blocks.CharBlock(label=_("Title"), max_length=200)
    url = blocks.URLBlock(label=_("Link to the file"))
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[("audio", _("Audio")), ("video", _("Video"))],
        default="audio",
    )
    size = blocks.CharBlock(
        label=_("Size"), max_length=40, help_text=_("For example: 4 MB, 12 minutes.")
    )
    transcript = ParagraphBlock(label=_("Transcript"))

    class Meta:
        icon = "media"
        label = _("Audio or video link")
        template = "courses/blocks/media_link.html"


class LessonBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    callout = CalloutBlock()
    glossary = GlossaryBlock()
    table = TableBlock()
    document = DocumentBlock()
    media = MediaLinkBlock()


class SourceBlock(blocks.CharBlock):
    class Meta:
        icon = "link"
        label = _("Source")


# --- Quiz questions -----------------------------------------------------------


class StableIdBlock(blocks.CharBlock):
    """An identifier such as "q1" or "B" that answer keys and progress use.

    wagtail-localize reads these two hooks: the id is never offered to
    translators, so a translated quiz keeps the answer key of the original.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault(
            "validators",
            [RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, - or _."))],
        )
        super().__init__(**kwargs)

    def get_translatable_segments(self, value):
        return []

    def restore_translated_segments(self, value, segments):
        return value


def _error(message, **params):
    return blocks.StructBlockValidationError(
        non_block_errors=[ValidationError(message, params=params)]
    )


class OptionBlock(blocks.StructBlock):
    id = StableIdBlock(label=_("Option id"), help_text=_("A, B, C or D."))
    text = blocks.CharBlock(label=_("Answer text"), max_length=300)
    is_correct = blocks.BooleanBlock(label=_("This answer is right"), required=False)
    feedback = blocks.TextBlock(
        label=_("Feedback"), help_text=_("Shown to a learner who chose this answer.")
    )

    class Meta:
        icon = "radio-full"
        label = _("Answer option")


class QuestionBlockMixin:
    """What the quiz needs from every kind of question block."""

    kind: Kind

    def to_question(self, value, *, key: str, lesson_key: str) -> Question:
        return Question(
            key=key,
            id=value["id"],
            lesson_key=lesson_key,
            kind=self.kind,
            prompt=value["prompt"],
            scenario=value.get("scenario", ""),
            explanation=value["explanation"],
            options=tuple(self.answer_options(value)),
        )

    def answer_options(self, value):
        return [
            Option(o["id"], o["text"], bool(o["is_correct"]), o["feedback"])
            for o in value["options"]
        ]

    def clean(self, value):
        value = super().clean(value)
        if "options" in self.child_blocks:
            self.check_options(value)
        return value

    def check_options(self, value):
        ids = [o["id"] for o in value["options"]]
        if len(set(ids)) != len(ids):
            raise _error(_("Each answer option needs its own id."))
        correct = sum(bool(o["is_correct"]) for o in value["options"])
        if self.kind == Kind.MULTIPLE and correct == 0:
            raise _error(_("Mark at least one answer as right."))
        if self.kind != Kind.MULTIPLE and correct != 1:
            raise _error(_("Mark exactly one answer as right."))


def _options():
    return blocks.ListBlock(
        OptionBlock(), min_num=2, max_num=8, label=_("Answer options")
    )


def _explanation():
    return blocks.TextBlock(
        label=_("Explanation"), help_text=_("Shown after the attempt.")
    )


class SingleChoiceQuestionBlock(QuestionBlockMixin, blocks.StructBlock):
    kind = Kind.SINGLE
    id = StableIdBlock(label=_("Question id"), help_text=_("For example q1."))
    prompt = blocks.TextBlock(label=_("Question"))
    options = _options()
    explanation = _explanation()

    class Meta:
        icon = "radio-full"
        label = _("Single choice question")


class MultipleChoiceQuestionBlock(SingleChoiceQuestionBlock):
    kind = Kind.MULTIPLE

    class Meta:
        icon = "tasks"
        label = _("Multiple choice question (every right answer)")


class ScenarioQuestionBlock(QuestionBlockMixin, blocks.StructBlock):
    """A short case, then a single choice question about it."""

    kind = Kind.SCENARIO
    id = StableIdBlock(label=_("Question id"), help_text=_("For example q3."))
    scenario = blocks.TextBlock(label=_("Case"))
    prompt = blocks.TextBlock(label=_("Question"))
    options = _options()
    explanation = _explanation()

    class Meta:
        icon = "user"
        label = _("Scenario question")


class TrueFalseQuestionBlock(QuestionBlockMixin, blocks.StructBlock):
    """A statement that is true or false; its options are always T and F."""

    kind = Kind.TRUE_FALSE
    id = StableIdBlock(label=_("Question id"), help_text=_("For example q2."))
    prompt = blocks.TextBlock(label=_("Statement"))
    is_true = blocks.BooleanBlock(label=_("The statement is true"), required=False)
    feedback_true = blocks.TextBlock(
        label=_("Feedback for “True”"),
        help_text=_("Shown to a learner who answered True."),
    )
    feedback_false = blocks.TextBlock(
        label=_("Feedback for “False”"),
        help_text=_("Shown to a learner who answered False."),
    )
    explanation = _explanation()

    def answer_options(self, value):
        is_true = bool(value["is_true"])
        return [
            Option("T", _("True"), is_true, value["feedback_true"]),
            Option("F", _("False"), not is_true, value["feedback_false"]),
        ]

    class Meta:
        icon = "check"
        label = _("True or false question")


class QuestionsBlock(blocks.StreamBlock):
    single_choice = SingleChoiceQuestionBlock()
    multiple_choice = MultipleChoiceQuestionBlock()
    true_false = TrueFalseQuestionBlock()
    scenario = ScenarioQuestionBlock()

    def clean(self, value):
        value = super().clean(value)
        seen = {}
        for index, child in enumerate(value):
            if child.value["id"] in seen:
                raise blocks.StreamBlockValidationError(
                    block_errors={
                        index: _error(
                            _("Another question of this lesson has the id %(id)s."),
                            id=child.value["id"],
                        )
                    }
                )
            seen[child.value["id"]] = index
        return value
