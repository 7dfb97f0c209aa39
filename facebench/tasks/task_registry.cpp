#include "facebench/tasks/task_registry.h"

#include "tensor/error.h"

namespace fb::tasks {

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = {"recognition", "landmarks", "au", "emotion", "3d", "parsing"};
  return names;
}

std::unique_ptr<Task> make_task(const std::string& name, const TaskSettings& s) {
  if (name == "recognition") return make_recognition_task(s);
  if (name == "landmarks") return make_landmarks_task(s);
  if (name == "au") return make_au_task(s);
  if (name == "emotion") return make_emotion_task(s);
  if (name == "3d") return make_face3d_task(s);
  if (name == "parsing") return make_parsing_task(s);
  FB_FAIL("unknown task '", name, "' (expected recognition, landmarks, au, emotion, 3d or parsing)");
}

}  // namespace fb::tasks
