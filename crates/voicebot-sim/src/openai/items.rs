//! Conversation items: create, delete, retrieve and truncate, with the real service's errors.

use voicebot_protocol::openai::{
    ConversationItemDeleted, ConversationItemRetrieved, ConversationItemTruncate, ConversationItemTruncated,
    Item, ItemStatus, Role, ServerEvent,
};

use super::{OpenAiSession, SAMPLES_PER_MS};
use crate::link::Link;

impl OpenAiSession {
    pub(super) fn on_item_create(
        &mut self,
        link: &mut Link,
        item: Item,
        previous: Option<String>,
        client_event: Option<&str>,
    ) {
        let mut item = item;
        match &mut item {
            Item::Message(message) => {
                if message.role == Role::Assistant && message.content.iter().any(|part| part.kind.is_audio())
                {
                    self.error(
                        link,
                        Some("invalid_value"),
                        "Assistant messages cannot contain audio content.",
                        Some("item.content"),
                        client_event,
                    );
                    return;
                }
                message.id.get_or_insert_with(|| self.shared.next_id("item"));
                message.status.get_or_insert(ItemStatus::Completed);
            }
            Item::FunctionCallOutput(output) => {
                let call = self.items.iter().find_map(|rec| match &rec.item {
                    Item::FunctionCall(call) if call.call_id.as_deref() == Some(output.call_id.as_str()) => {
                        Some(call.name.clone())
                    }
                    _ => None,
                });
                let Some(name) = call else {
                    link.violation(
                        "function_call_output_unknown_call",
                        format!("no function call has call_id {:?}", output.call_id),
                    );
                    self.error(
                        link,
                        Some("invalid_value"),
                        format!(
                            "No tool call found for function call output with call_id {}.",
                            output.call_id
                        ),
                        Some("item.call_id"),
                        client_event,
                    );
                    return;
                };
                link.shared.tool_response(link.conn, &output.call_id, &name);
                output.id.get_or_insert_with(|| self.shared.next_id("item"));
            }
            _ => {}
        }
        // `previous_item_id`: absent appends, "root" puts the item first, an id puts it right after that item.
        let (at, previous) = match previous.as_deref() {
            None => (self.items.len(), self.items.last().map(|rec| rec.id.clone())),
            Some("root") => (0, None),
            Some(id) => match self.items.iter().position(|rec| rec.id == id) {
                Some(index) => (index + 1, previous),
                None => {
                    self.error(
                        link,
                        Some("invalid_value"),
                        format!("Previous item with id '{id}' not found."),
                        Some("previous_item_id"),
                        client_event,
                    );
                    return;
                }
            },
        };
        if let Some(id) = item.id()
            && self.items.iter().any(|rec| rec.id == id)
        {
            self.error(
                link,
                Some("invalid_value"),
                format!("Item with id '{id}' already exists."),
                Some("item.id"),
                client_event,
            );
            return;
        }
        self.add_item_at(link, at, item, previous, false);
    }

    pub(super) fn on_delete(&mut self, link: &mut Link, item_id: &str, client_event: Option<&str>) {
        match self.items.iter().position(|rec| rec.id == item_id) {
            Some(index) => {
                self.items.remove(index);
                link.send(&ServerEvent::from(ConversationItemDeleted {
                    event_id: self.event_id(),
                    item_id: item_id.to_owned(),
                }));
            }
            None => self.error(
                link,
                Some("item_delete_invalid_item_id"),
                format!("Item with item_id not found: {item_id}"),
                Some("item_id"),
                client_event,
            ),
        }
    }

    pub(super) fn on_truncate(&mut self, link: &mut Link, truncate: &ConversationItemTruncate) {
        let client_event = truncate.event_id.as_deref();
        let Some(index) = self.items.iter().position(|rec| rec.id == truncate.item_id) else {
            link.violation(
                "truncate_unknown_item",
                format!("truncate of unknown item {:?}", truncate.item_id),
            );
            self.error(
                link,
                Some("item_truncate_invalid_item_id"),
                format!("Item with item_id not found: {}", truncate.item_id),
                Some("item_id"),
                client_event,
            );
            return;
        };
        let rec = &self.items[index];
        if !rec.assistant_audio || truncate.content_index != 0 {
            link.violation(
                "truncate_not_audio",
                format!("truncate of {:?}, which is not model audio", truncate.item_id),
            );
            self.error(
                link,
                Some("unsupported_content_type"),
                "Only model output audio messages can be truncated",
                None,
                client_event,
            );
            return;
        }
        // The item is as long as the audio sent, or as an earlier truncate left it.
        let sent_ms = link.sent_audio_samples(&truncate.item_id) / SAMPLES_PER_MS;
        let sent_ms = rec.truncated_ms.map_or(sent_ms, |cut| cut.min(sent_ms));
        if truncate.audio_end_ms > sent_ms {
            link.violation(
                "truncate_beyond_audio",
                format!("audio_end_ms {} but only {sent_ms} ms were sent", truncate.audio_end_ms),
            );
            let message =
                format!("Audio content of {sent_ms}ms is already shorter than {}ms", truncate.audio_end_ms);
            self.error(link, None, message, None, client_event);
            return;
        }
        self.items[index].truncated_ms = Some(truncate.audio_end_ms);
        let truncated = ConversationItemTruncated {
            event_id: self.event_id(),
            item_id: truncate.item_id.clone(),
            content_index: 0,
            audio_end_ms: truncate.audio_end_ms,
        };
        link.send(&ServerEvent::from(truncated));
    }

    pub(super) fn on_retrieve(&mut self, link: &mut Link, item_id: &str, client_event: Option<&str>) {
        match self.items.iter().find(|rec| rec.id == item_id).map(|rec| rec.item.clone()) {
            Some(item) => {
                link.send(&ServerEvent::from(ConversationItemRetrieved { event_id: self.event_id(), item }));
            }
            None => self.error(
                link,
                Some("item_retrieve_invalid_item_id"),
                format!("Item with item_id not found: {item_id}"),
                Some("item_id"),
                client_event,
            ),
        }
    }
}
