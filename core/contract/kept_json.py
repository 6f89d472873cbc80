"""A view serialised with the JSON of its list's items kept between one view and the next.

A bay's state lists every car queued there and the lounge every car in the building; after
a tap nearly all of them are the very objects of the view before (the core keeps a car's
card while nothing about it changes). Writing their JSON again is most of what serialising
such a view costs, so each item's text is kept while the item is the same object, and the
view's text is the rest of the view with the items' texts set into its list. The result is
byte for byte what ``dump`` writes (tests/test_redraw.py holds the two to it).
"""

from __future__ import annotations

from pydantic import BaseModel

from .messages import dump


class ListDump:
    """``dump`` for views of one model, whose list field ``field`` holds items of
    ``item_type``."""

    def __init__(self, field: str, item_type: type[BaseModel]) -> None:
        self.field = field
        self.item_type = item_type
        self._hole = f'"{field}":[]'.encode()
        #: id → (the item, its JSON): holding the item keeps its id from being reused.
        self._kept: dict[int, tuple[BaseModel, bytes]] = {}

    def __call__(self, view: BaseModel) -> bytes:
        items: list[BaseModel] = getattr(view, self.field)
        if any(type(item) is not self.item_type for item in items):
            return dump(view)  # a subclass would be written as its field's type: not ours
        kept, self._kept = self._kept, {}
        texts = []
        for item in items:
            known = kept.get(id(item))
            if known is None or known[0] is not item:
                known = (item, dump(item))
            self._kept[id(item)] = known
            texts.append(known[1])
        shell = dump(view.model_copy(update={self.field: []}))
        if shell.count(self._hole) != 1:  # the field's name written elsewhere too
            return dump(view)
        return shell.replace(self._hole, b'"%s":[%s]' % (self.field.encode(), b",".join(texts)))
