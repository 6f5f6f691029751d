//! The TUI's state: what is loaded, which view is open, the stack of derived views per
//! tab (filters, sorts, drill-downs), and the prompts. `update` (in `update` and `editing`)
//! sees actions, never keys, and never draws; `receive` takes the worker's replies.

mod editing;
mod layer;
mod receive;
mod tab;
mod update;

use super::data::{AuditData, Reply, Request, Stage};
use super::edit::{Confirm, Editor, Form, Picker, SavePreview};

pub use layer::{Layer, LayerKind, TableView};
pub use receive::headline_change;
pub use tab::{report_of, PerTab};

use super::vocab::{Keys, Tab};

/// What keys mean right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing into the filter of the top view.
    Filter,
    /// Waiting for the column to sort by.
    Sort,
    /// Typing the export file name.
    Export(String),
    /// Typing the folder the notices of the Users view go to.
    Notices(String),
    /// Typing the folder the reports to the regulator go to (Overview).
    Regulator(String),
    Help,
    /// Filling a form that edits the inventory.
    Form(Form),
    /// Ticking the fields a page renders.
    Pick(Picker),
    /// A yes/no question.
    Confirm(Confirm),
    /// The diff of the inventory about to be saved.
    Save(SavePreview),
}

/// Where loading is.
#[derive(Debug)]
pub enum Load {
    Running { stage: Stage },
    Failed(anyhow::Error),
    Ready(Box<AuditData>),
}

/// What the title bar says about the inputs.
#[derive(Debug, Clone)]
pub struct Title {
    pub text: String,
    /// True for the bundled sample incident.
    pub sample: bool,
    /// Where the bundled sample was unpacked (a temporary folder), to name it as bundled.
    pub unpacked: Option<String>,
}

/// The whole state of the TUI.
#[derive(Debug)]
pub struct Model {
    pub title: Title,
    pub load: Load,
    pub tab: Tab,
    stacks: PerTab<Vec<Layer>>,
    mode: Mode,
    /// Terminal size (columns, rows), as the last resize event said.
    pub size: (u16, u16),
    /// A one-line message for the status bar, and whether it reports a failure.
    pub status: Option<(String, bool)>,
    pub quit: bool,
    /// The inventory being edited (opened with the first load).
    pub editor: Option<Editor>,
    /// What the last edit changed in the headline figures.
    pub last_change: Option<String>,
    /// Files asked of the worker and not yet written (exports, notices, saves).
    writing: usize,
    /// Colours on screen; off for `--color never` or `NO_COLOR`. Tiers are spelled out and
    /// the selection is reversed video, so nothing is told by colour alone.
    pub colour: bool,
}

/// Rows of chrome around a table: title, tabs, breadcrumb, status bar, table header.
pub const CHROME_ROWS: usize = 5;

impl Model {
    pub fn new(title: Title, size: (u16, u16)) -> Model {
        Model {
            title,
            load: Load::Running {
                stage: Stage::ReadingLog,
            },
            tab: Tab::Overview,
            stacks: Default::default(),
            mode: Mode::Normal,
            size,
            status: None,
            quit: false,
            editor: None,
            last_change: None,
            writing: 0,
            colour: true,
        }
    }

    /// A model over already computed data (tests, benchmarks).
    pub fn loaded(title: Title, size: (u16, u16), data: AuditData) -> Model {
        let mut model = Model::new(title, size);
        let inventory = data.inventory_path.clone();
        model.receive(Reply::Loaded(Box::new(data)));
        model.receive(Reply::Editor(Editor::open(inventory)));
        model
    }

    /// True while the worker has files to write for us: quitting waits for them.
    pub fn writing(&self) -> bool {
        self.writing > 0
    }

    /// Sends a file job to the worker, saying so in the status bar until it is done.
    fn write(&mut self, request: Request, message: String) -> Option<Request> {
        self.writing += 1;
        self.status = Some((message, false));
        Some(request)
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The key map the keys are read with in the current mode.
    pub fn keys(&self) -> Keys {
        match &self.mode {
            Mode::Normal => Keys::Normal,
            Mode::Filter => Keys::Filter,
            Mode::Sort => Keys::Sort,
            Mode::Export(_) | Mode::Notices(_) | Mode::Regulator(_) => Keys::Prompt,
            Mode::Help => Keys::Help,
            Mode::Form(_) => Keys::Form,
            Mode::Pick(_) => Keys::Pick,
            Mode::Confirm(_) => Keys::Confirm,
            Mode::Save(_) => Keys::Save,
        }
    }

    pub fn data(&self) -> Option<&AuditData> {
        match &self.load {
            Load::Ready(data) => Some(data),
            _ => None,
        }
    }

    /// The stack of the current tab (empty for the overview and while loading).
    pub fn stack(&self) -> &[Layer] {
        self.stacks.get(self.tab)
    }

    pub fn top(&self) -> Option<&Layer> {
        self.stack().last()
    }

    fn stack_mut(&mut self) -> &mut Vec<Layer> {
        self.stacks.get_mut(self.tab)
    }

    fn top_mut(&mut self) -> Option<&mut Layer> {
        self.stack_mut().last_mut()
    }

    fn top_table(&self) -> Option<&TableView> {
        self.top().and_then(|l| l.table.as_ref())
    }

    fn push(&mut self, layer: Layer) {
        self.stack_mut().push(layer);
    }

    /// Pops the top derived view; false when only the tab's own view is left.
    fn pop(&mut self) -> bool {
        let stack = self.stack_mut();
        if stack.len() > 1 {
            stack.pop();
            true
        } else {
            false
        }
    }

    /// Table rows that fit on screen under the top layer's header.
    pub fn page_rows(&self) -> usize {
        let header = self.top().map_or(0, Layer::header_height);
        (self.size.1 as usize)
            .saturating_sub(CHROME_ROWS + header)
            .max(1)
    }
}
