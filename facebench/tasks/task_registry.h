#pragma once
// One factory per task definition file; make_task (task.h) picks by name.
#include <memory>

#include "facebench/tasks/task.h"

namespace fb::tasks {

std::unique_ptr<Task> make_recognition_task(const TaskSettings& s);  // recognition_task.cpp
std::unique_ptr<Task> make_landmarks_task(const TaskSettings& s);    // landmarks_task.cpp
std::unique_ptr<Task> make_au_task(const TaskSettings& s);           // au_task.cpp
std::unique_ptr<Task> make_emotion_task(const TaskSettings& s);      // emotion_task.cpp
std::unique_ptr<Task> make_face3d_task(const TaskSettings& s);       // face3d_task.cpp
std::unique_ptr<Task> make_parsing_task(const TaskSettings& s);      // parsing_task.cpp

}  // namespace fb::tasks
