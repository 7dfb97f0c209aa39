#pragma once
// A trained task model on disk — backbone + head in one safetensors file —
// so that `facebench predict` can run it on new images:
//   "backbone.*"  the backbone's state (torchvision names below the prefix)
//   "head.*"      the task head's state
// and metadata: format "facebench-task-model-1", task, arch, width,
// small_input, crop (input size), points, values (comma-separated names),
// classes (parsing), identities (recognition), head settings.
#include <memory>
#include <string>

#include "facebench/tasks/task.h"

namespace fb::tasks {

struct TaskModel {
  std::string task;
  std::unique_ptr<Task> definition;
  std::shared_ptr<nn::ResNet> backbone;
  std::shared_ptr<TaskHead> head;
  int64_t crop = 0;
  TaskArrays shape;  // an empty array set that carries what the head was built for (points, value names)
};

void save_task_model(const std::string& path, const std::string& task, const TaskSettings& settings,
                     nn::ResNet& backbone, TaskHead& head, const TaskArrays& train);
TaskModel load_task_model(const std::string& path);

}  // namespace fb::tasks
